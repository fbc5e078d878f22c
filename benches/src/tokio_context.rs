//! The cost of the feature `tokio-context` (operations of group 7, with the benches crate's feature
//! `tokio-context`): the same future on smol and on async-std, run as:
//!
//! - `native`: spawned (or blocked on) by the runtime itself, no tokio context;
//! - `async_compat`: wrapped in `async_compat::Compat`, the hand-written fix users reach for;
//! - `bridge`: spawned (or blocked on) through async-bridge, which enters the context;
//! - `bridge_tokio_context_fn`: wrapped in `async_bridge::tokio_context` and spawned by the
//!   runtime itself (the wrapper alone, for executors async-bridge does not drive).
//!
//! `tokio_context_yield_100` (a task of 101 polls) gives the cost per poll,
//! `tokio_context_spawn` (a task of one poll) the cost per task, `tokio_context_block_on`
//! the cost per `block_on` of a ready future. The context's runtime is the `tokio`
//! feature's (this crate has it), async-compat's its own; both are looked up per poll.

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use async_bridge::{AsyncStd, BlockOn, Smol};
use async_compat::Compat;

use crate::{Op, POLLS, YieldMany};

/// `iters` spawns of `make()`'s future on smol's global executor, each awaited, from a task.
fn smol_spawns<F>(iters: u64, make: fn() -> F) -> Duration
where
    F: Future + Send + 'static,
    F::Output: Send,
{
    smol::block_on(smol::spawn(async move {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(smol::spawn(make()).await);
        }
        start.elapsed()
    }))
}

fn async_std_spawns<F>(iters: u64, make: fn() -> F) -> Duration
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    async_std::task::block_on(async_std::task::spawn(async move {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(async_std::task::spawn(make()).await);
        }
        start.elapsed()
    }))
}

fn bridge_spawns<R: async_bridge::Runtime, F>(rt: R, iters: u64, make: fn() -> F) -> Duration
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn({
        let rt = rt.clone();
        async move {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(rt.spawn(make()).await.unwrap());
            }
            start.elapsed()
        }
    }))
    .unwrap()
}

fn timed(iters: u64, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed()
}

async fn ready() -> u64 {
    black_box(1u64)
}
fn polls() -> YieldMany {
    YieldMany(black_box(POLLS))
}

pub fn ops() -> Vec<Op> {
    vec![
        Op::new("tokio_context_spawn", "smol", "native", |n| {
            smol_spawns(n, ready)
        }),
        Op::new("tokio_context_spawn", "smol", "async_compat", |n| {
            smol_spawns(n, || Compat::new(ready()))
        }),
        Op::new("tokio_context_spawn", "smol", "bridge", |n| {
            bridge_spawns(Smol::global(), n, ready)
        }),
        Op::new(
            "tokio_context_spawn",
            "smol",
            "bridge_tokio_context_fn",
            |n| smol_spawns(n, || async_bridge::tokio_context(ready())),
        ),
        Op::new("tokio_context_spawn", "async_std", "native", |n| {
            async_std_spawns(n, ready)
        }),
        Op::new("tokio_context_spawn", "async_std", "async_compat", |n| {
            async_std_spawns(n, || Compat::new(ready()))
        }),
        Op::new("tokio_context_spawn", "async_std", "bridge", |n| {
            bridge_spawns(AsyncStd::new(), n, ready)
        }),
        Op::new(
            "tokio_context_spawn",
            "async_std",
            "bridge_tokio_context_fn",
            |n| async_std_spawns(n, || async_bridge::tokio_context(ready())),
        ),
        Op::new("tokio_context_yield_100", "smol", "native", |n| {
            smol_spawns(n, polls)
        }),
        Op::new("tokio_context_yield_100", "smol", "async_compat", |n| {
            smol_spawns(n, || Compat::new(polls()))
        }),
        Op::new("tokio_context_yield_100", "smol", "bridge", |n| {
            bridge_spawns(Smol::global(), n, polls)
        }),
        Op::new(
            "tokio_context_yield_100",
            "smol",
            "bridge_tokio_context_fn",
            |n| smol_spawns(n, || async_bridge::tokio_context(polls())),
        ),
        Op::new("tokio_context_yield_100", "async_std", "native", |n| {
            async_std_spawns(n, polls)
        }),
        Op::new(
            "tokio_context_yield_100",
            "async_std",
            "async_compat",
            |n| async_std_spawns(n, || Compat::new(polls())),
        ),
        Op::new("tokio_context_yield_100", "async_std", "bridge", |n| {
            bridge_spawns(AsyncStd::new(), n, polls)
        }),
        Op::new(
            "tokio_context_yield_100",
            "async_std",
            "bridge_tokio_context_fn",
            |n| async_std_spawns(n, || async_bridge::tokio_context(polls())),
        ),
        Op::new("tokio_context_block_on", "smol", "native", |n| {
            timed(n, || {
                black_box(futures_lite::future::block_on(ready()));
            })
        }),
        Op::new("tokio_context_block_on", "smol", "async_compat", |n| {
            timed(n, || {
                black_box(futures_lite::future::block_on(Compat::new(ready())));
            })
        }),
        Op::new("tokio_context_block_on", "smol", "bridge", |n| {
            timed(n, || {
                black_box(Smol::global().block_on(ready()));
            })
        }),
        Op::new(
            "tokio_context_block_on",
            "smol",
            "bridge_tokio_context_fn",
            |n| {
                timed(n, || {
                    black_box(futures_lite::future::block_on(async_bridge::tokio_context(
                        ready(),
                    )));
                })
            },
        ),
    ]
}
