#[async_bridge::main(glommio)]
async fn main() {}
