//! The operations the benchmarks measure, each as a native runtime call and as the
//! async-bridge call, shared by the criterion benches (`benches/bridge.rs`), the allocation
//! count (`src/bin/alloc_count.rs`) and the instruction-count driver
//! (`src/bin/op_driver.rs`), so the three always measure the same code.
//!
//! Every operation is a `fn(iters) -> Duration`: it performs the operation `iters` times and
//! returns the time those took, measured where they run (inside the task, for the
//! operations that run inside a runtime), so the set-up around the loop is not timed.
//! The allocation count and the instruction counts subtract a run of 0 iterations, which
//! removes the set-up there too.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, LazyLock, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

mod runtime_thread;
#[cfg(feature = "tokio-context")]
mod tokio_context;

use async_bridge::{AsyncStd, BlockOn, Runtime, RuntimeHandle, Smol, Tokio};

/// One measured operation: `group` (what is measured) on `backend`, as `variant`
/// (`native`, `bridge` — the async-bridge call on a backend value — `bridge_free_fn` or
/// `dyn` — through [`RuntimeHandle`]).
#[derive(Clone, Copy, Debug)]
pub struct Op {
    pub group: &'static str,
    pub backend: &'static str,
    pub variant: &'static str,
    pub run: fn(u64) -> Duration,
}

impl Op {
    /// The operation `run` of `group` on `backend`, as `variant`.
    pub fn new(
        group: &'static str,
        backend: &'static str,
        variant: &'static str,
        run: fn(u64) -> Duration,
    ) -> Self {
        Op {
            group,
            backend,
            variant,
            run,
        }
    }

    /// `group/backend/variant`, the name the driver binaries take.
    pub fn name(&self) -> String {
        format!("{}/{}/{}", self.group, self.backend, self.variant)
    }
}

// ---------------------------------------------------------------------------------------
// The futures blocked on.

/// Returns `Pending` once, waking itself first (a self-wake), then `Ready`.
#[derive(Debug, Default)]
pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

struct Shared {
    done: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

/// The thread that wakes [`WokenByOther`] futures: it sets their flag, then wakes the
/// waker of their latest poll.
static WAKER_THREAD: LazyLock<Mutex<mpsc::Sender<Arc<Shared>>>> = LazyLock::new(|| {
    let (tx, rx) = mpsc::channel::<Arc<Shared>>();
    thread::Builder::new()
        .name("bench-waker".into())
        .spawn(move || {
            for shared in rx {
                shared.done.store(true, Ordering::SeqCst);
                let waker = shared.waker.lock().unwrap().take();
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
        })
        .expect("start the waker thread");
    Mutex::new(tx)
});

/// Pending until another thread (the waker thread) has woken it: a cross-thread wake-up,
/// with no spurious completion (it is ready only once the wake happened).
#[derive(Default)]
pub struct WokenByOther(Option<Arc<Shared>>);

impl Future for WokenByOther {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let first = self.0.is_none();
        let shared = self
            .0
            .get_or_insert_with(|| {
                Arc::new(Shared {
                    done: AtomicBool::new(false),
                    waker: Mutex::new(None),
                })
            })
            .clone();
        if shared.done.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        *shared.waker.lock().unwrap() = Some(cx.waker().clone());
        if first {
            WAKER_THREAD.lock().unwrap().send(shared.clone()).unwrap();
        }
        if shared.done.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

// ---------------------------------------------------------------------------------------
// The runtimes: one of each, shared by native and async-bridge calls where they can be.

/// A native multi-thread tokio runtime (one worker per core). async-bridge's [`Tokio`]
/// below borrows the same runtime, so both sides run on the same threads.
pub static TOKIO_MT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
});
/// async-bridge on [`TOKIO_MT`].
pub static BRIDGE_TOKIO_MT: LazyLock<Tokio> =
    LazyLock::new(|| Tokio::from_handle(TOKIO_MT.handle().clone()));
/// A native current-thread tokio runtime.
pub static TOKIO_CT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
});
/// async-bridge's own current-thread runtime (it must own it to drive it), built like
/// [`TOKIO_CT`].
pub static BRIDGE_TOKIO_CT: LazyLock<Tokio> = LazyLock::new(Tokio::current_thread);
/// [`RuntimeHandle`]s of the backends above.
pub static DYN_TOKIO_MT: LazyLock<RuntimeHandle> =
    LazyLock::new(|| RuntimeHandle::new(BRIDGE_TOKIO_MT.clone()));
pub static DYN_SMOL: LazyLock<RuntimeHandle> = LazyLock::new(|| Smol::global().into());
pub static DYN_ASYNC_STD: LazyLock<RuntimeHandle> = LazyLock::new(|| AsyncStd::new().into());

fn timed(iters: u64, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed()
}

// ---------------------------------------------------------------------------------------
// async-bridge, generic: the same code for every backend and for RuntimeHandle.

fn bridge_block_on<R: BlockOn, F: Future>(rt: &R, iters: u64, make: fn() -> F) -> Duration {
    timed(iters, || {
        black_box(rt.block_on(make()));
    })
}

/// Runs `body` inside a task on `rt` and returns the time it reports.
fn bridge_in_task<R, F>(rt: &R, body: impl FnOnce(R) -> F) -> Duration
where
    R: Runtime,
    F: Future<Output = Duration> + Send + 'static,
{
    rt.block_on(rt.spawn(body(rt.clone()))).unwrap()
}

fn bridge_spawn<R: Runtime>(rt: &R, iters: u64) -> Duration {
    bridge_in_task(rt, |rt| async move {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(rt.spawn(async { black_box(1u64) }).await.unwrap());
        }
        start.elapsed()
    })
}

/// 10,000 spawns, then 10,000 awaits, `iters` times; the time per batch.
fn bridge_spawn_batch<R: Runtime>(rt: &R, iters: u64) -> Duration {
    bridge_in_task(rt, |rt| async move {
        let start = Instant::now();
        for _ in 0..iters {
            let handles: Vec<_> = (0..BATCH)
                .map(|i| rt.spawn(async move { black_box(i) }))
                .collect();
            for h in handles {
                black_box(h.await.unwrap());
            }
        }
        start.elapsed()
    })
}

fn bridge_spawn_blocking<R: Runtime>(rt: &R, iters: u64) -> Duration {
    bridge_in_task(rt, |rt| async move {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(rt.spawn_blocking(|| black_box(1u64)).await.unwrap());
        }
        start.elapsed()
    })
}

fn bridge_sleep0<R: Runtime>(rt: &R, iters: u64) -> Duration {
    bridge_in_task(rt, |rt| async move {
        let start = Instant::now();
        for _ in 0..iters {
            rt.sleep(Duration::ZERO).await;
        }
        start.elapsed()
    })
}

fn bridge_timeout<R: Runtime>(rt: &R, iters: u64) -> Duration {
    bridge_in_task(rt, |rt| async move {
        let start = Instant::now();
        for _ in 0..iters {
            let out = rt.timeout(Duration::from_secs(1), async { black_box(1u64) });
            black_box(out.await.unwrap());
        }
        start.elapsed()
    })
}

/// Spawns in one batch.
pub const BATCH: u64 = 10_000;

// ---------------------------------------------------------------------------------------
// Native calls, backend by backend, written as a user of that runtime would.

mod native_tokio {
    use super::*;

    pub fn block_on_handle<F: Future>(iters: u64, make: fn() -> F) -> Duration {
        let handle = TOKIO_MT.handle();
        timed(iters, || {
            black_box(handle.block_on(make()));
        })
    }

    pub fn block_on_runtime<F: Future>(
        rt: &tokio::runtime::Runtime,
        iters: u64,
        make: fn() -> F,
    ) -> Duration {
        timed(iters, || {
            black_box(rt.block_on(make()));
        })
    }

    fn in_task<F>(rt: &tokio::runtime::Runtime, body: F) -> Duration
    where
        F: Future<Output = Duration> + Send + 'static,
    {
        rt.block_on(tokio::spawn(body)).unwrap()
    }

    pub fn spawn(rt: &tokio::runtime::Runtime, iters: u64) -> Duration {
        let _enter = rt.enter();
        in_task(rt, async move {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(tokio::spawn(async { black_box(1u64) }).await.unwrap());
            }
            start.elapsed()
        })
    }

    pub fn spawn_polls(rt: &tokio::runtime::Runtime, iters: u64) -> Duration {
        let _enter = rt.enter();
        in_task(rt, async move {
            let start = Instant::now();
            for _ in 0..iters {
                tokio::spawn(YieldMany(black_box(POLLS))).await.unwrap();
            }
            start.elapsed()
        })
    }

    /// [`spawn_batch`] with each native handle stored beside 80 bytes of padding (an
    /// 88-byte handle, as large as async-bridge's): what the size alone costs.
    pub fn spawn_batch_padded(rt: &tokio::runtime::Runtime, iters: u64) -> Duration {
        let _enter = rt.enter();
        in_task(rt, async move {
            let start = Instant::now();
            for _ in 0..iters {
                let handles: Vec<_> = (0..BATCH)
                    .map(|i| {
                        (
                            tokio::spawn(async move { black_box(i) }),
                            black_box([0u64; 10]),
                        )
                    })
                    .collect();
                for (h, pad) in handles {
                    black_box(pad);
                    black_box(h.await.unwrap());
                }
            }
            start.elapsed()
        })
    }

    pub fn spawn_batch(rt: &tokio::runtime::Runtime, iters: u64) -> Duration {
        let _enter = rt.enter();
        in_task(rt, async move {
            let start = Instant::now();
            for _ in 0..iters {
                let handles: Vec<_> = (0..BATCH)
                    .map(|i| tokio::spawn(async move { black_box(i) }))
                    .collect();
                for h in handles {
                    black_box(h.await.unwrap());
                }
            }
            start.elapsed()
        })
    }

    pub fn spawn_blocking(iters: u64) -> Duration {
        let _enter = TOKIO_MT.enter();
        in_task(&TOKIO_MT, async move {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(
                    tokio::task::spawn_blocking(|| black_box(1u64))
                        .await
                        .unwrap(),
                );
            }
            start.elapsed()
        })
    }

    pub fn sleep0(iters: u64) -> Duration {
        let _enter = TOKIO_MT.enter();
        in_task(&TOKIO_MT, async move {
            let start = Instant::now();
            for _ in 0..iters {
                tokio::time::sleep(Duration::ZERO).await;
            }
            start.elapsed()
        })
    }

    pub fn timeout(iters: u64) -> Duration {
        let _enter = TOKIO_MT.enter();
        in_task(&TOKIO_MT, async move {
            let start = Instant::now();
            for _ in 0..iters {
                let out = tokio::time::timeout(Duration::from_secs(1), async { black_box(1u64) });
                black_box(out.await.unwrap());
            }
            start.elapsed()
        })
    }
}

mod native_smol {
    use super::*;

    pub fn block_on<F: Future>(iters: u64, make: fn() -> F) -> Duration {
        timed(iters, || {
            black_box(smol::block_on(make()));
        })
    }

    pub fn block_on_futures_lite<F: Future>(iters: u64, make: fn() -> F) -> Duration {
        timed(iters, || {
            black_box(futures_lite::future::block_on(make()));
        })
    }

    fn in_task<F>(body: F) -> Duration
    where
        F: Future<Output = Duration> + Send + 'static,
    {
        smol::block_on(smol::spawn(body))
    }

    pub fn spawn(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(smol::spawn(async { black_box(1u64) }).await);
            }
            start.elapsed()
        })
    }

    pub fn spawn_polls(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                smol::spawn(YieldMany(black_box(POLLS))).await;
            }
            start.elapsed()
        })
    }

    /// [`spawn_batch`] with each native handle stored beside `PAD` words of padding (a
    /// handle of `8 * (PAD + 1)` bytes: 88 is as large as async-bridge's was), to measure
    /// what the size alone costs.
    pub fn spawn_batch_padded<const PAD: usize>(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                let handles: Vec<_> = (0..BATCH)
                    .map(|i| {
                        (
                            smol::spawn(async move { black_box(i) }),
                            black_box([0u64; PAD]),
                        )
                    })
                    .collect();
                for (h, pad) in handles {
                    black_box(pad);
                    black_box(h.await);
                }
            }
            start.elapsed()
        })
    }

    pub fn spawn_batch(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                let handles: Vec<_> = (0..BATCH)
                    .map(|i| smol::spawn(async move { black_box(i) }))
                    .collect();
                for h in handles {
                    black_box(h.await);
                }
            }
            start.elapsed()
        })
    }

    pub fn spawn_blocking(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(smol::unblock(|| black_box(1u64)).await);
            }
            start.elapsed()
        })
    }

    pub fn sleep0(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                smol::Timer::after(Duration::ZERO).await;
            }
            start.elapsed()
        })
    }

    pub fn timeout(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                // smol has no timeout of its own: the idiom is a race against a Timer.
                let out = futures_lite::future::or(async { Ok(black_box(1u64)) }, async {
                    smol::Timer::after(Duration::from_secs(1)).await;
                    Err(())
                });
                black_box(out.await.unwrap());
            }
            start.elapsed()
        })
    }
}

mod native_async_std {
    use super::*;

    pub fn block_on<F: Future>(iters: u64, make: fn() -> F) -> Duration {
        timed(iters, || {
            black_box(async_std::task::block_on(make()));
        })
    }

    fn in_task<F>(body: F) -> Duration
    where
        F: Future<Output = Duration> + Send + 'static,
    {
        async_std::task::block_on(async_std::task::spawn(body))
    }

    pub fn spawn(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(async_std::task::spawn(async { black_box(1u64) }).await);
            }
            start.elapsed()
        })
    }

    pub fn spawn_polls(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                async_std::task::spawn(YieldMany(black_box(POLLS))).await;
            }
            start.elapsed()
        })
    }

    pub fn spawn_batch(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                let handles: Vec<_> = (0..BATCH)
                    .map(|i| async_std::task::spawn(async move { black_box(i) }))
                    .collect();
                for h in handles {
                    black_box(h.await);
                }
            }
            start.elapsed()
        })
    }

    pub fn spawn_blocking(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(async_std::task::spawn_blocking(|| black_box(1u64)).await);
            }
            start.elapsed()
        })
    }

    pub fn sleep0(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                async_std::task::sleep(Duration::ZERO).await;
            }
            start.elapsed()
        })
    }

    pub fn timeout(iters: u64) -> Duration {
        in_task(async move {
            let start = Instant::now();
            for _ in 0..iters {
                let out =
                    async_std::future::timeout(Duration::from_secs(1), async { black_box(1u64) });
                black_box(out.await.unwrap());
            }
            start.elapsed()
        })
    }
}

// ---------------------------------------------------------------------------------------
// The table of operations.

async fn ready() -> u64 {
    black_box(1u64)
}
fn yield_once() -> YieldOnce {
    YieldOnce::default()
}
fn woken() -> WokenByOther {
    WokenByOther::default()
}

macro_rules! ops {
    ($($group:literal, $backend:literal, $variant:literal => $run:expr;)*) => {
        /// Every operation, in report order.
        pub fn all() -> Vec<Op> {
            let mut ops = vec![$(Op { group: $group, backend: $backend, variant: $variant, run: $run }),*];
            ops.extend(watchdog_ops());
            #[cfg(feature = "tokio-context")]
            ops.extend(tokio_context::ops());
            ops.extend(runtime_thread::ops());
            ops
        }
    };
}

ops! {
    // 1. block_on of a ready future, of one that wakes itself once, of one woken from
    //    another thread.
    "block_on_ready", "tokio", "native_handle" => |n| native_tokio::block_on_handle(n, ready);
    "block_on_ready", "tokio", "native_runtime" => |n| native_tokio::block_on_runtime(&TOKIO_MT, n, ready);
    "block_on_ready", "tokio", "bridge" => |n| bridge_block_on(&*BRIDGE_TOKIO_MT, n, ready);
    "block_on_ready", "tokio", "bridge_free_fn" => |n| timed(n, || { black_box(async_bridge::block_on(ready())); });
    "block_on_ready", "tokio", "dyn" => |n| bridge_block_on(&*DYN_TOKIO_MT, n, ready);
    "block_on_ready", "tokio_current_thread", "native" => |n| native_tokio::block_on_runtime(&TOKIO_CT, n, ready);
    "block_on_ready", "tokio_current_thread", "bridge" => |n| bridge_block_on(&*BRIDGE_TOKIO_CT, n, ready);
    "block_on_ready", "smol", "native" => |n| native_smol::block_on(n, ready);
    "block_on_ready", "smol", "native_futures_lite" => |n| native_smol::block_on_futures_lite(n, ready);
    "block_on_ready", "smol", "bridge" => |n| bridge_block_on(&Smol::global(), n, ready);
    "block_on_ready", "smol", "dyn" => |n| bridge_block_on(&*DYN_SMOL, n, ready);
    "block_on_ready", "async_std", "native" => |n| native_async_std::block_on(n, ready);
    "block_on_ready", "async_std", "bridge" => |n| bridge_block_on(&AsyncStd::new(), n, ready);
    "block_on_ready", "async_std", "dyn" => |n| bridge_block_on(&*DYN_ASYNC_STD, n, ready);

    "block_on_yield_once", "tokio", "native_handle" => |n| native_tokio::block_on_handle(n, yield_once);
    "block_on_yield_once", "tokio", "native_runtime" => |n| native_tokio::block_on_runtime(&TOKIO_MT, n, yield_once);
    "block_on_yield_once", "tokio", "bridge" => |n| bridge_block_on(&*BRIDGE_TOKIO_MT, n, yield_once);
    "block_on_yield_once", "tokio_current_thread", "native" => |n| native_tokio::block_on_runtime(&TOKIO_CT, n, yield_once);
    "block_on_yield_once", "tokio_current_thread", "bridge" => |n| bridge_block_on(&*BRIDGE_TOKIO_CT, n, yield_once);
    "block_on_yield_once", "smol", "native" => |n| native_smol::block_on(n, yield_once);
    "block_on_yield_once", "smol", "native_futures_lite" => |n| native_smol::block_on_futures_lite(n, yield_once);
    "block_on_yield_once", "smol", "bridge" => |n| bridge_block_on(&Smol::global(), n, yield_once);
    "block_on_yield_once", "async_std", "native" => |n| native_async_std::block_on(n, yield_once);
    "block_on_yield_once", "async_std", "bridge" => |n| bridge_block_on(&AsyncStd::new(), n, yield_once);

    "block_on_woken_by_other_thread", "tokio", "native_handle" => |n| native_tokio::block_on_handle(n, woken);
    "block_on_woken_by_other_thread", "tokio", "bridge" => |n| bridge_block_on(&*BRIDGE_TOKIO_MT, n, woken);
    "block_on_woken_by_other_thread", "tokio_current_thread", "native" => |n| native_tokio::block_on_runtime(&TOKIO_CT, n, woken);
    "block_on_woken_by_other_thread", "tokio_current_thread", "bridge" => |n| bridge_block_on(&*BRIDGE_TOKIO_CT, n, woken);
    "block_on_woken_by_other_thread", "smol", "native" => |n| native_smol::block_on(n, woken);
    "block_on_woken_by_other_thread", "smol", "native_futures_lite" => |n| native_smol::block_on_futures_lite(n, woken);
    "block_on_woken_by_other_thread", "smol", "bridge" => |n| bridge_block_on(&Smol::global(), n, woken);
    "block_on_woken_by_other_thread", "async_std", "native" => |n| native_async_std::block_on(n, woken);
    "block_on_woken_by_other_thread", "async_std", "bridge" => |n| bridge_block_on(&AsyncStd::new(), n, woken);

    // 2. spawn + await of a trivial task from inside a task; a batch of 10,000.
    "spawn_await", "tokio", "native" => |n| native_tokio::spawn(&TOKIO_MT, n);
    "spawn_await", "tokio", "bridge" => |n| bridge_spawn(&*BRIDGE_TOKIO_MT, n);
    "spawn_await", "tokio", "dyn" => |n| bridge_spawn(&*DYN_TOKIO_MT, n);
    "spawn_await", "tokio_current_thread", "native" => |n| native_tokio::spawn(&TOKIO_CT, n);
    "spawn_await", "tokio_current_thread", "bridge" => |n| bridge_spawn(&*BRIDGE_TOKIO_CT, n);
    "spawn_await", "smol", "native" => native_smol::spawn;
    "spawn_await", "smol", "bridge" => |n| bridge_spawn(&Smol::global(), n);
    "spawn_await", "smol", "dyn" => |n| bridge_spawn(&*DYN_SMOL, n);
    "spawn_await", "async_std", "native" => native_async_std::spawn;
    "spawn_await", "async_std", "bridge" => |n| bridge_spawn(&AsyncStd::new(), n);
    "spawn_await", "async_std", "dyn" => |n| bridge_spawn(&*DYN_ASYNC_STD, n);

    "spawn_batch_10k", "tokio", "native" => |n| native_tokio::spawn_batch(&TOKIO_MT, n);
    "spawn_batch_10k", "tokio", "native_handle_88_bytes" => |n| native_tokio::spawn_batch_padded(&TOKIO_MT, n);
    "spawn_batch_10k", "tokio", "bridge" => |n| bridge_spawn_batch(&*BRIDGE_TOKIO_MT, n);
    "spawn_batch_10k", "tokio_current_thread", "native" => |n| native_tokio::spawn_batch(&TOKIO_CT, n);
    "spawn_batch_10k", "tokio_current_thread", "bridge" => |n| bridge_spawn_batch(&*BRIDGE_TOKIO_CT, n);
    "spawn_batch_10k", "smol", "native" => native_smol::spawn_batch;
    "spawn_batch_10k", "smol", "native_handle_16_bytes" => native_smol::spawn_batch_padded::<1>;
    "spawn_batch_10k", "smol", "native_handle_24_bytes" => native_smol::spawn_batch_padded::<2>;
    "spawn_batch_10k", "smol", "native_handle_32_bytes" => native_smol::spawn_batch_padded::<3>;
    "spawn_batch_10k", "smol", "native_handle_88_bytes" => native_smol::spawn_batch_padded::<10>;
    "spawn_batch_10k", "smol", "bridge" => |n| bridge_spawn_batch(&Smol::global(), n);
    "spawn_batch_10k", "async_std", "native" => native_async_std::spawn_batch;
    "spawn_batch_10k", "async_std", "bridge" => |n| bridge_spawn_batch(&AsyncStd::new(), n);

    // 2b. spawn + await of a task that yields POLLS times: the cost of a task's poll, which
    //     a trivial task (one poll) does not show.
    "spawn_yield_100", "tokio", "native" => |n| native_tokio::spawn_polls(&TOKIO_MT, n);
    "spawn_yield_100", "tokio", "bridge" => |n| bridge_many_polls(&*BRIDGE_TOKIO_MT, n, false);
    "spawn_yield_100", "tokio_current_thread", "native" => |n| native_tokio::spawn_polls(&TOKIO_CT, n);
    "spawn_yield_100", "tokio_current_thread", "bridge" => |n| bridge_many_polls(&*BRIDGE_TOKIO_CT, n, false);
    "spawn_yield_100", "smol", "native" => native_smol::spawn_polls;
    "spawn_yield_100", "smol", "bridge" => |n| bridge_many_polls(&Smol::global(), n, false);
    "spawn_yield_100", "async_std", "native" => native_async_std::spawn_polls;
    "spawn_yield_100", "async_std", "bridge" => |n| bridge_many_polls(&AsyncStd::new(), n, false);

    // 3. spawn_blocking round trip of a trivial closure, from inside a task.
    "spawn_blocking", "tokio", "native" => native_tokio::spawn_blocking;
    "spawn_blocking", "tokio", "bridge" => |n| bridge_spawn_blocking(&*BRIDGE_TOKIO_MT, n);
    "spawn_blocking", "tokio", "dyn" => |n| bridge_spawn_blocking(&*DYN_TOKIO_MT, n);
    "spawn_blocking", "smol", "native" => native_smol::spawn_blocking;
    "spawn_blocking", "smol", "bridge" => |n| bridge_spawn_blocking(&Smol::global(), n);
    "spawn_blocking", "smol", "dyn" => |n| bridge_spawn_blocking(&*DYN_SMOL, n);
    "spawn_blocking", "async_std", "native" => native_async_std::spawn_blocking;
    "spawn_blocking", "async_std", "bridge" => |n| bridge_spawn_blocking(&AsyncStd::new(), n);
    "spawn_blocking", "async_std", "dyn" => |n| bridge_spawn_blocking(&*DYN_ASYNC_STD, n);

    // 4. sleep(0), and timeout of a ready future, inside a task.
    "sleep_zero", "tokio", "native" => native_tokio::sleep0;
    "sleep_zero", "tokio", "bridge" => |n| bridge_sleep0(&*BRIDGE_TOKIO_MT, n);
    "sleep_zero", "tokio", "dyn" => |n| bridge_sleep0(&*DYN_TOKIO_MT, n);
    "sleep_zero", "smol", "native" => native_smol::sleep0;
    "sleep_zero", "smol", "bridge" => |n| bridge_sleep0(&Smol::global(), n);
    "sleep_zero", "smol", "dyn" => |n| bridge_sleep0(&*DYN_SMOL, n);
    "sleep_zero", "async_std", "native" => native_async_std::sleep0;
    "sleep_zero", "async_std", "bridge" => |n| bridge_sleep0(&AsyncStd::new(), n);
    "sleep_zero", "async_std", "dyn" => |n| bridge_sleep0(&*DYN_ASYNC_STD, n);

    "timeout_ready", "tokio", "native" => native_tokio::timeout;
    "timeout_ready", "tokio", "bridge" => |n| bridge_timeout(&*BRIDGE_TOKIO_MT, n);
    "timeout_ready", "tokio", "dyn" => |n| bridge_timeout(&*DYN_TOKIO_MT, n);
    "timeout_ready", "smol", "native" => native_smol::timeout;
    "timeout_ready", "smol", "bridge" => |n| bridge_timeout(&Smol::global(), n);
    "timeout_ready", "smol", "dyn" => |n| bridge_timeout(&*DYN_SMOL, n);
    "timeout_ready", "async_std", "native" => native_async_std::timeout;
    "timeout_ready", "async_std", "bridge" => |n| bridge_timeout(&AsyncStd::new(), n);
    "timeout_ready", "async_std", "dyn" => |n| bridge_timeout(&*DYN_ASYNC_STD, n);

    // 6. The watchdog's per-poll cost: `watchdog_ops` below, with the feature `watchdog`.
}

// ---------------------------------------------------------------------------------------
// 6. The watchdog's per-poll cost.

/// How many times the task of a `spawn_yield_100` or `watchdog_poll` iteration yields: each
/// iteration is one spawn and `POLLS + 1` polls of the task (and one or two of the task
/// awaiting it).
pub const POLLS: u32 = 100;

/// Yields `n` times (waking itself), then completes: `n + 1` polls.
#[derive(Debug)]
pub struct YieldMany(pub u32);

impl Future for YieldMany {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// One task of `POLLS + 1` polls per iteration: unnamed, or named (the name is shared by
/// the handle and the watchdog's probe).
fn bridge_many_polls<R: Runtime>(rt: &R, iters: u64, named: bool) -> Duration {
    bridge_in_task(rt, move |rt| async move {
        let start = Instant::now();
        for _ in 0..iters {
            let task = YieldMany(black_box(POLLS));
            let handle = if named {
                async_bridge::task::Builder::new()
                    .name("polled")
                    .spawn_on(task, &rt)
            } else {
                rt.spawn(task)
            };
            handle.await.unwrap();
        }
        start.elapsed()
    })
}

/// The watchdog's per-poll cost, per backend: `not_installed` (the feature on, no watchdog:
/// one relaxed load per poll), `installed` (a watchdog whose threshold no poll reaches) and
/// `installed_named` (the same, for a named task). The feature off is measured by building
/// without it: `watchdog_poll/*/not_installed` is then the plain poll (BENCHMARKS.md).
#[cfg(feature = "watchdog")]
fn watchdog_ops() -> Vec<Op> {
    use async_bridge::watchdog::Watchdog;

    fn installed<R: Runtime>(rt: &R, iters: u64, named: bool) -> Duration {
        let _guard = Watchdog::new(Duration::from_secs(10))
            .on_stall(|report| panic!("no poll of the bench stalls: {report}"))
            .install();
        bridge_many_polls(rt, iters, named)
    }
    let mut ops = watchdog_ops_off();
    ops.extend([
        watchdog_op("tokio", "installed", |n| {
            installed(&*BRIDGE_TOKIO_MT, n, false)
        }),
        watchdog_op("tokio", "installed_named", |n| {
            installed(&*BRIDGE_TOKIO_MT, n, true)
        }),
        watchdog_op("tokio_current_thread", "installed", |n| {
            installed(&*BRIDGE_TOKIO_CT, n, false)
        }),
        watchdog_op("tokio_current_thread", "installed_named", |n| {
            installed(&*BRIDGE_TOKIO_CT, n, true)
        }),
        watchdog_op("smol", "installed", |n| {
            installed(&Smol::global(), n, false)
        }),
        watchdog_op("smol", "installed_named", |n| {
            installed(&Smol::global(), n, true)
        }),
        watchdog_op("async_std", "installed", |n| {
            installed(&AsyncStd::new(), n, false)
        }),
        watchdog_op("async_std", "installed_named", |n| {
            installed(&AsyncStd::new(), n, true)
        }),
    ]);
    ops.sort_by_key(|op| (op.backend, op.variant));
    ops
}

/// Without the feature, only the plain poll, for the instruction counts of the feature off.
#[cfg(not(feature = "watchdog"))]
fn watchdog_ops() -> Vec<Op> {
    watchdog_ops_off()
}

fn watchdog_ops_off() -> Vec<Op> {
    vec![
        watchdog_op("tokio", "not_installed", |n| {
            bridge_many_polls(&*BRIDGE_TOKIO_MT, n, false)
        }),
        watchdog_op("tokio_current_thread", "not_installed", |n| {
            bridge_many_polls(&*BRIDGE_TOKIO_CT, n, false)
        }),
        watchdog_op("smol", "not_installed", |n| {
            bridge_many_polls(&Smol::global(), n, false)
        }),
        watchdog_op("async_std", "not_installed", |n| {
            bridge_many_polls(&AsyncStd::new(), n, false)
        }),
    ]
}

/// An operation of the group `watchdog_poll`.
fn watchdog_op(backend: &'static str, variant: &'static str, run: fn(u64) -> Duration) -> Op {
    Op::new("watchdog_poll", backend, variant, run)
}

/// The operations whose name starts with `filter` (all with an empty filter).
pub fn matching(filter: &str) -> Vec<Op> {
    all()
        .into_iter()
        .filter(|op| op.name().starts_with(filter))
        .collect()
}
