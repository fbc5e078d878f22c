#[async_bridge::test]
fn not_async() {}

fn main() {}
