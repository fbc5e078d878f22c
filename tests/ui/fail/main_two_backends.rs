#[async_bridge::main(smol, tokio)]
async fn main() {}
