//! `main` on tokio, with workers.
use tokio::runtime::{Handle, RuntimeFlavor};

#[async_bridge::main(tokio, worker_threads = 2)]
async fn main() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::MultiThread
    );
    assert_eq!(Handle::current().metrics().num_workers(), 2);
}
