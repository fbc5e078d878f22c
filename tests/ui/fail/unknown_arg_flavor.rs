#[async_bridge::test(flavor = "current_thread")]
async fn tokio_style() {}

fn main() {}
