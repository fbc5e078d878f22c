//! `main` on a named backend: it runs there.

#[async_bridge::main(smol)]
async fn main() {
    // Not inside tokio: the free functions use smol.
    assert!(tokio::runtime::Handle::try_current().is_err());
    assert_eq!(async_bridge::spawn(async { 1 }).await.unwrap(), 1);
}
