//! `main` on tokio's current-thread flavour.
use tokio::runtime::{Handle, RuntimeFlavor};

#[async_bridge::main(tokio_current_thread)]
async fn main() {
    assert_eq!(
        Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
}
