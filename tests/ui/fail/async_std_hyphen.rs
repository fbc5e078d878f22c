#[async_bridge::test(async-std)]
async fn hyphen() {}

fn main() {}
