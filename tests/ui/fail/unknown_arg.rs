#[async_bridge::test(foo)]
async fn unknown() {}

fn main() {}
