use async_bridge::{BlockOn, Runtime, Spawn};

/// A library generic over the runtime needs no backend.
pub fn run<R: Runtime>(rt: &R) -> u32 {
    rt.block_on(rt.spawn(async { 1 })).unwrap()
}

fn main() {
    // yield_now needs no backend at all.
    futures_lite::future::block_on(async_bridge::yield_now());
}
