#[async_bridge::test(smol, tokio_current_thread, worker_threads = 2)]
async fn no_multi_thread() {}

#[async_bridge::test(worker_threads = 2)]
async fn smol_param(_rt: async_bridge::Smol) {}

fn main() {}
