//! The spawn rows of `op_driver` (`spawn_await`, `spawn_batch_10k`), native and
//! async-bridge, in a build of async-bridge with one backend: the build where a
//! `JoinHandle` is two words, as most applications build it (`op_driver` has all three
//! backends, where it is seven).
//!
//! - Instructions: `ONE=smol bash benches/callgrind.sh` (or `ONE=tokio`), through the
//!   binary, as for `op_driver`.
//! - Wall clock: `cargo bench -p async-bridge-one-backend --features smol`.

#[cfg(any(feature = "smol", feature = "tokio"))]
use std::future::Future;
#[cfg(any(feature = "smol", feature = "tokio"))]
use std::hint::black_box;
use std::time::Duration;
#[cfg(any(feature = "smol", feature = "tokio"))]
use std::time::Instant;

/// The spawns of a batch, as in `op_driver`.
#[cfg(any(feature = "smol", feature = "tokio"))]
const BATCH: u64 = 10_000;

/// `iters` spawns, each awaited at once, inside a task (the same loop for the native spawn
/// and async-bridge's, whose output `out` unwraps as `op_driver` does); the time they took.
#[cfg(any(feature = "smol", feature = "tokio"))]
async fn spawn_await<H: Future>(
    iters: u64,
    spawn: impl Fn(u64) -> H,
    out: fn(H::Output) -> u64,
) -> Duration {
    let start = Instant::now();
    for i in 0..iters {
        black_box(out(spawn(black_box(i)).await));
    }
    start.elapsed()
}

/// `iters` batches of 10,000 spawns, then their 10,000 awaits; the time they took.
#[cfg(any(feature = "smol", feature = "tokio"))]
async fn spawn_batch<H: Future>(
    iters: u64,
    spawn: impl Fn(u64) -> H,
    out: fn(H::Output) -> u64,
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        let handles: Vec<H> = (0..BATCH).map(|i| spawn(black_box(i))).collect();
        for handle in handles {
            black_box(out(handle.await));
        }
    }
    start.elapsed()
}

/// A native smol task's output, as it is.
#[cfg(feature = "smol")]
fn native(out: u64) -> u64 {
    out
}

/// An async-bridge task's output, unwrapped.
#[cfg(any(feature = "smol", feature = "tokio"))]
fn bridge(out: Result<u64, async_bridge::JoinError>) -> u64 {
    out.unwrap()
}

/// A tokio task's output, unwrapped.
#[cfg(feature = "tokio")]
fn tokio_native(out: Result<u64, tokio::task::JoinError>) -> u64 {
    out.unwrap()
}

/// An operation: its name (`GROUP/BACKEND/VARIANT`, as in `op_driver`), and a run of
/// `iters` iterations that returns the time they took.
pub type Op = (&'static str, fn(u64) -> Duration);

/// The operations of this build (none without a backend feature).
pub fn ops() -> Vec<Op> {
    #[allow(unused_mut)]
    let mut ops: Vec<Op> = Vec::new();
    #[cfg(feature = "smol")]
    ops.extend(smol_ops::OPS);
    #[cfg(feature = "tokio")]
    ops.extend(tokio_ops::OPS);
    ops
}

#[cfg(feature = "smol")]
mod smol_ops {
    use super::{Op, bridge, native, spawn_await, spawn_batch};
    use async_bridge::{BlockOn, Smol, Spawn};
    use std::hint::black_box;

    pub const OPS: [Op; 4] = [
        ("spawn_await/smol/native", |n| {
            smol::block_on(smol::spawn(spawn_await(
                n,
                |i| smol::spawn(async move { black_box(i) }),
                native,
            )))
        }),
        ("spawn_await/smol/bridge", |n| {
            let (rt, inner) = (Smol::global(), Smol::global());
            rt.block_on(rt.spawn(spawn_await(
                n,
                move |i| inner.spawn(async move { black_box(i) }),
                bridge,
            )))
            .unwrap()
        }),
        ("spawn_batch_10k/smol/native", |n| {
            smol::block_on(smol::spawn(spawn_batch(
                n,
                |i| smol::spawn(async move { black_box(i) }),
                native,
            )))
        }),
        ("spawn_batch_10k/smol/bridge", |n| {
            let (rt, inner) = (Smol::global(), Smol::global());
            rt.block_on(rt.spawn(spawn_batch(
                n,
                move |i| inner.spawn(async move { black_box(i) }),
                bridge,
            )))
            .unwrap()
        }),
    ];
}

#[cfg(feature = "tokio")]
mod tokio_ops {
    use super::{Op, bridge, spawn_await, spawn_batch, tokio_native};
    use async_bridge::{BlockOn, Spawn, Tokio};
    use std::hint::black_box;
    use std::sync::LazyLock;

    /// A current-thread runtime: one thread, so that the counts repeat from run to run.
    static NATIVE: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread tokio runtime")
    });
    static BRIDGE: LazyLock<Tokio> = LazyLock::new(Tokio::current_thread);

    pub const OPS: [Op; 4] = [
        ("spawn_await/tokio_current_thread/native", |n| {
            NATIVE
                .block_on(NATIVE.spawn(spawn_await(
                    n,
                    |i| tokio::spawn(async move { black_box(i) }),
                    tokio_native,
                )))
                .unwrap()
        }),
        ("spawn_await/tokio_current_thread/bridge", |n| {
            let rt = &*BRIDGE;
            rt.block_on(rt.spawn(spawn_await(
                n,
                |i| rt.spawn(async move { black_box(i) }),
                bridge,
            )))
            .unwrap()
        }),
        ("spawn_batch_10k/tokio_current_thread/native", |n| {
            NATIVE
                .block_on(NATIVE.spawn(spawn_batch(
                    n,
                    |i| tokio::spawn(async move { black_box(i) }),
                    tokio_native,
                )))
                .unwrap()
        }),
        ("spawn_batch_10k/tokio_current_thread/bridge", |n| {
            let rt = &*BRIDGE;
            rt.block_on(rt.spawn(spawn_batch(
                n,
                |i| rt.spawn(async move { black_box(i) }),
                bridge,
            )))
            .unwrap()
        }),
    ];
}
