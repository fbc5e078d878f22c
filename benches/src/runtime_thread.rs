//! `RuntimeThread` (group 8): `run` of a ready future and of one that yields once, beside
//! `block_on` of the same future on the same runtime (a `RuntimeThread` over it), and a
//! method of a twin that `#[async_bridge::blocking]` generated beside `run` of its async
//! original.

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Duration;

use async_bridge::{AsyncStd, BlockOn, RuntimeThread, Smol};

use crate::{BRIDGE_TOKIO_MT, Op, timed, yield_once};

static RT_TOKIO: LazyLock<RuntimeThread> =
    LazyLock::new(|| RuntimeThread::from(BRIDGE_TOKIO_MT.clone()));
static RT_SMOL: LazyLock<RuntimeThread> = LazyLock::new(|| RuntimeThread::from(Smol::global()));
static RT_ASYNC_STD: LazyLock<RuntimeThread> =
    LazyLock::new(|| RuntimeThread::from(AsyncStd::new()));

/// A small async API and its twin.
pub struct Counter {
    base: u64,
}

#[async_bridge::blocking]
impl Counter {
    /// The count plus `x`.
    pub async fn add(&self, x: u64) -> u64 {
        black_box(self.base + x)
    }
}

static TWIN_TOKIO: LazyLock<CounterBlocking> =
    LazyLock::new(|| CounterBlocking::with_runtime(Counter { base: 1 }, RT_TOKIO.clone()));
static TWIN_SMOL: LazyLock<CounterBlocking> =
    LazyLock::new(|| CounterBlocking::with_runtime(Counter { base: 1 }, RT_SMOL.clone()));
static TWIN_ASYNC_STD: LazyLock<CounterBlocking> =
    LazyLock::new(|| CounterBlocking::with_runtime(Counter { base: 1 }, RT_ASYNC_STD.clone()));

fn block_on_ready<R: BlockOn>(rt: &R, n: u64) -> Duration {
    timed(n, || {
        black_box(rt.block_on(crate::ready()));
    })
}

fn run_ready(rt: &RuntimeThread, n: u64) -> Duration {
    timed(n, || {
        black_box(rt.run(crate::ready()));
    })
}

fn block_on_yield<R: BlockOn>(rt: &R, n: u64) -> Duration {
    timed(n, || {
        rt.block_on(yield_once());
    })
}

fn run_yield(rt: &RuntimeThread, n: u64) -> Duration {
    timed(n, || {
        rt.run(yield_once());
    })
}

fn twin(twin: &CounterBlocking, n: u64) -> Duration {
    timed(n, || {
        black_box(twin.add(black_box(2)));
    })
}

fn run_original(twin: &CounterBlocking, n: u64) -> Duration {
    timed(n, || {
        black_box(twin.runtime().run(twin.get_ref().add(black_box(2))));
    })
}

/// The operations of group 8.
pub fn ops() -> Vec<Op> {
    vec![
        Op::new("runtime_thread_run_ready", "tokio", "block_on", |n| {
            block_on_ready(&*BRIDGE_TOKIO_MT, n)
        }),
        Op::new("runtime_thread_run_ready", "tokio", "run", |n| {
            run_ready(&RT_TOKIO, n)
        }),
        Op::new("runtime_thread_run_ready", "smol", "block_on", |n| {
            block_on_ready(&Smol::global(), n)
        }),
        Op::new("runtime_thread_run_ready", "smol", "run", |n| {
            run_ready(&RT_SMOL, n)
        }),
        Op::new("runtime_thread_run_ready", "async_std", "block_on", |n| {
            block_on_ready(&AsyncStd::new(), n)
        }),
        Op::new("runtime_thread_run_ready", "async_std", "run", |n| {
            run_ready(&RT_ASYNC_STD, n)
        }),
        Op::new("runtime_thread_run_yield_once", "tokio", "block_on", |n| {
            block_on_yield(&*BRIDGE_TOKIO_MT, n)
        }),
        Op::new("runtime_thread_run_yield_once", "tokio", "run", |n| {
            run_yield(&RT_TOKIO, n)
        }),
        Op::new("runtime_thread_run_yield_once", "smol", "block_on", |n| {
            block_on_yield(&Smol::global(), n)
        }),
        Op::new("runtime_thread_run_yield_once", "smol", "run", |n| {
            run_yield(&RT_SMOL, n)
        }),
        Op::new(
            "runtime_thread_run_yield_once",
            "async_std",
            "block_on",
            |n| block_on_yield(&AsyncStd::new(), n),
        ),
        Op::new("runtime_thread_run_yield_once", "async_std", "run", |n| {
            run_yield(&RT_ASYNC_STD, n)
        }),
        Op::new("runtime_thread_twin", "tokio", "run_original", |n| {
            run_original(&TWIN_TOKIO, n)
        }),
        Op::new("runtime_thread_twin", "tokio", "twin", |n| {
            twin(&TWIN_TOKIO, n)
        }),
        Op::new("runtime_thread_twin", "smol", "run_original", |n| {
            run_original(&TWIN_SMOL, n)
        }),
        Op::new("runtime_thread_twin", "smol", "twin", |n| {
            twin(&TWIN_SMOL, n)
        }),
        Op::new("runtime_thread_twin", "async_std", "run_original", |n| {
            run_original(&TWIN_ASYNC_STD, n)
        }),
        Op::new("runtime_thread_twin", "async_std", "twin", |n| {
            twin(&TWIN_ASYNC_STD, n)
        }),
    ]
}
