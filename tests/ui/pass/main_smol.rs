//! `main` on a named backend: it runs there.

#[async_bridge::main(smol)]
async fn main() {
    // Not a tokio runtime's thread (a tokio context only with the feature `tokio-context`),
    // so the free functions use smol.
    assert_eq!(
        tokio::runtime::Handle::try_current().is_ok(),
        cfg!(feature = "tokio-context")
    );
    assert_eq!(async_bridge::spawn(async { 1 }).await.unwrap(), 1);
}
