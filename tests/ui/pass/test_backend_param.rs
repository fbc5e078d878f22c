//! A concrete backend parameter: only that backend's variants.
use async_bridge::{AsyncStd, Smol, Spawn, Tokio};

#[async_bridge::test]
async fn on_smol(rt: Smol) {
    assert_eq!(rt.spawn(async { 6 }).await.unwrap(), 6);
}

#[async_bridge::test(tokio_current_thread)]
async fn on_tokio(rt: Tokio) {
    let _ = rt;
}

#[async_bridge::test]
async fn on_async_std(_rt: async_bridge::AsyncStd) {}

#[allow(dead_code)]
fn uses(_: AsyncStd) {}

fn main() {}
