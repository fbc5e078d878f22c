//! The runtime as a `RuntimeHandle`.
use async_bridge::{RuntimeHandle, Spawn};

#[async_bridge::test]
async fn handle(rt: RuntimeHandle) {
    assert_eq!(rt.spawn(async { 5 }).await.unwrap(), 5);
}

fn main() {}
