#[async_bridge::main(timeout = "5s")]
async fn main() {}
