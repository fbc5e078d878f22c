#[async_bridge::test(timeout = "5")]
async fn no_unit() {}

#[async_bridge::test(timeout = "1.5s")]
async fn fraction() {}

#[async_bridge::test(timeout = 5)]
async fn not_a_string() {}

fn main() {}
