//! `worker_threads` for the tokio multi-thread variant.

#[async_bridge::test(worker_threads = 2)]
async fn all_backends() {}

#[async_bridge::test(tokio_multi_thread, worker_threads = 4, timeout = "1s")]
async fn multi_thread_only() {}

fn main() {}
