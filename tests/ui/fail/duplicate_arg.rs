#[async_bridge::test(timeout = "1s", timeout = "2s")]
async fn twice() {}

#[async_bridge::test(tokio, tokio_current_thread)]
async fn overlapping() {}

fn main() {}
