#[async_bridge::test(worker_threads = 0)]
async fn zero() {}

fn main() {}
