//! The runtime as `impl Runtime`, by either path.
use async_bridge::{Runtime, Spawn};

#[async_bridge::test]
async fn short_path(rt: impl Runtime) {
    assert_eq!(rt.spawn(async { 3 }).await.unwrap(), 3);
}

#[async_bridge::test]
async fn full_path(rt: impl async_bridge::Runtime) {
    assert_eq!(rt.spawn(async { 4 }).await.unwrap(), 4);
}

fn main() {}
