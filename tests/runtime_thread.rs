//! `RuntimeThread`: `run` from every calling context, on every backend (a `RuntimeThread`
//! over each variant of the test matrix), with borrowing and `!Send` futures, panics
//! resumed with their payload, the one call that could only deadlock, and shutdown.
#![cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]

#[macro_use]
mod common;

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use async_bridge::{Runtime, RuntimeThread};

use common::callers::{CALLERS, Caller, call_from};
use common::{DropFlag, deadline, wait_until};

/// What `run` does in every test: borrow a local, hold an `Rc` (`!Send`) across awaits,
/// and use the free functions and the `RuntimeThread` itself inside.
fn work(rt: &RuntimeThread) -> usize {
    let text = String::from("borrowed");
    let local = Rc::new(5);
    rt.run(async {
        async_bridge::sleep(Duration::from_millis(2)).await;
        let spawned = async_bridge::spawn(async { 10 }).await.unwrap();
        let blocking = async_bridge::spawn_blocking(|| 100).await.unwrap();
        let on_rt = rt.spawn(async { 1000 }).await.unwrap();
        async_bridge::yield_now().await;
        // tokio defers this wake-up to the scheduler of a tokio thread (a current-thread
        // runtime's, which `run` blocks): it must complete all the same. (Only where
        // async-bridge has tokio in its build to ask, `tokio` or `tokio-context`.)
        #[cfg(any(feature = "tokio", feature = "tokio-context"))]
        tokio::task::yield_now().await;
        text.len() + *local + spawned + blocking + on_rt
    })
}

/// Whether `run` from `caller` is the call that could only deadlock: from a task of the
/// `RuntimeThread`'s own runtime (smol's global executor here, when the variant is smol).
fn could_only_deadlock(caller: Caller, variant: &str) -> bool {
    let _ = variant;
    #[cfg(feature = "smol")]
    if caller == Caller::SmolTask && variant == "smol" {
        return true;
    }
    let _ = caller;
    false
}

fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn run_from_every_context<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let variant = common::variant_of(&backend).name();
    let rt = RuntimeThread::from(backend);
    for &caller in CALLERS {
        let theirs = rt.clone();
        let out = deadline(60, &format!("run from {caller:?}"), move || {
            let rt = theirs.clone();
            catch_unwind(AssertUnwindSafe(move || {
                call_from(caller, &theirs, move || work(&rt))
            }))
        });
        match out {
            Ok(sum) => {
                assert!(
                    !could_only_deadlock(caller, variant),
                    "{caller:?} on {variant} ran"
                );
                assert_eq!(
                    sum,
                    8 + 5 + 10 + 100 + 1000,
                    "run from {caller:?} on {variant}"
                );
            }
            Err(payload) => {
                let msg = message(&*payload);
                assert!(
                    could_only_deadlock(caller, variant),
                    "run from {caller:?} on {variant} panicked: {msg}"
                );
                assert!(msg.contains("could only deadlock"), "{msg}");
                assert!(msg.contains("`.await` the future"), "{msg}");
            }
        }
    }
}

/// A panic inside `run` resumes on the caller with its payload, from every context, and
/// the `RuntimeThread` works on afterwards.
fn panics_resume_with_their_payload<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let variant = common::variant_of(&backend).name();
    let rt = RuntimeThread::from(backend);
    for &caller in CALLERS {
        if could_only_deadlock(caller, variant) {
            continue;
        }
        let theirs = rt.clone();
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = DropFlag(dropped.clone());
        let payload = deadline(60, &format!("panic in run from {caller:?}"), move || {
            let rt = theirs.clone();
            call_from(caller, &theirs, move || {
                catch_unwind(AssertUnwindSafe(|| {
                    rt.run(async move {
                        let _flag = flag;
                        async_bridge::sleep(Duration::from_millis(1)).await;
                        std::panic::panic_any(42_u32);
                    })
                }))
                .map_err(|p| *p.downcast::<u32>().expect("the original payload"))
            })
        });
        assert_eq!(payload, Err(42), "from {caller:?}");
        assert!(dropped.load(Ordering::SeqCst), "the future was dropped");
    }
    assert_eq!(rt.run(async { 1 }), 1);
}

/// The one call that could only deadlock panics with a message naming the fix: `run` from
/// a task of the `RuntimeThread`'s own runtime, where no other thread can take that task's
/// place (a current-thread tokio runtime, driven by the `RuntimeThread`'s own thread; a smol
/// executor). On a multi-thread tokio runtime it blocks in place and works, and on
/// async-std's runtime other threads take over.
fn run_from_its_own_task<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let variant = common::variant_of(&backend).name();
    let rt = RuntimeThread::from(backend);
    let inner = rt.clone();
    let task = rt.spawn(async move {
        catch_unwind(AssertUnwindSafe(|| inner.run(async { 3 }))).map_err(|p| message(&*p))
    });
    let out = rt.run(task).unwrap();
    match variant {
        "tokio_multi_thread" | "async_std" => assert_eq!(out, Ok(3)),
        _ => {
            let msg = out.expect_err("run from its own runtime's task panics");
            assert!(
                msg.contains(
                    "RuntimeThread::run called from a task of that RuntimeThread's own runtime"
                ),
                "{msg}"
            );
            assert!(msg.contains("`.await` the future instead"), "{msg}");
        }
    }
    // Its `spawn_blocking` closures may block: they are not the runtime's task threads.
    let inner = rt.clone();
    let blocking = rt.spawn_blocking(move || inner.run(async { 4 }));
    assert_eq!(rt.run(blocking).unwrap(), 4);
}

/// Many threads at once, each with a clone, each call borrowing.
fn many_threads_at_once<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let rt = RuntimeThread::from(backend);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let rt = rt.clone();
            thread::spawn(move || {
                let mut sum = 0;
                for i in 0..200 {
                    let x = t * 1000 + i;
                    sum += rt.run(async {
                        if i % 50 == 0 {
                            async_bridge::sleep(Duration::from_millis(1)).await;
                        }
                        async_bridge::yield_now().await;
                        x
                    });
                }
                sum
            })
        })
        .collect();
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let expected: usize = (0..8)
        .map(|t| (0..200).map(|i| t * 1000 + i).sum::<usize>())
        .sum();
    assert_eq!(total, expected);
}

/// Dropping the last clone inside async code, from every context, never waits and never
/// panics; the pending tasks of a runtime it owns are cancelled (their futures dropped).
fn dropping_the_last_clone_inside_async_code<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    for &caller in CALLERS {
        if matches!(caller, Caller::SameRun) {
            continue;
        }
        // A runtime of this variant (shared with `backend`: not shut down by the drop), and
        // one that the `RuntimeThread` owns (of the default backend; async-std's is global).
        for (rt, owned) in [
            (RuntimeThread::from(backend.clone()), false),
            (
                RuntimeThread::new(),
                !format!("{:?}", RuntimeThread::shared()).contains("async-std"),
            ),
        ] {
            let dropped = Arc::new(AtomicBool::new(false));
            let flag = DropFlag(dropped.clone());
            rt.spawn(async move {
                let _flag = flag;
                std::future::pending::<()>().await
            })
            .detach();
            // `rt` is the last clone: dropped inside `caller`'s context (`SameRun` is
            // skipped, so the `RuntimeThread` handed to `call_from` is not used).
            deadline(60, &format!("drop from {caller:?}"), move || {
                call_from(caller, RuntimeThread::shared(), move || drop(rt));
            });
            if owned {
                wait_until(
                    "the pending task of the dropped runtime is cancelled",
                    || dropped.load(Ordering::SeqCst),
                );
            }
        }
    }
}

per_backend!(
    run_from_every_context,
    panics_resume_with_their_payload,
    run_from_its_own_task,
    many_threads_at_once,
    dropping_the_last_clone_inside_async_code,
);

/// The free functions inside `run`, and `spawn` onto it, use its runtime: its threads are
/// named `async-bridge-runtime-thread` (async-std's global runtime has threads of its own).
#[test]
fn free_functions_inside_run_use_its_runtime() {
    let rt = RuntimeThread::new();
    if format!("{rt:?}").contains("async-std") {
        return;
    }
    let name = || {
        thread::current()
            .name()
            .map(String::from)
            .unwrap_or_default()
    };
    let (free, spawned, blocking) = rt.run(async {
        let free = async_bridge::spawn(async move { name() }).await.unwrap();
        let spawned = rt.spawn(async move { name() }).await.unwrap();
        let blocking = async_bridge::spawn_blocking(name).await.unwrap();
        (free, spawned, blocking)
    });
    assert!(free.starts_with("async-bridge-runtime-thread"), "{free}");
    assert!(
        spawned.starts_with("async-bridge-runtime-thread"),
        "{spawned}"
    );
    // smol and async-std share the process-wide `blocking` pool.
    if format!("{rt:?}").contains("tokio") {
        assert!(
            blocking.starts_with("async-bridge-runtime-thread"),
            "{blocking}"
        );
    }
}

/// tokio-only code works inside `run` of a tokio `RuntimeThread`, from a smol task too.
#[cfg(feature = "tokio")]
#[test]
fn tokio_only_code_runs_inside_run_on_tokio() {
    let rt = RuntimeThread::from(async_bridge::Tokio::new());
    let out = deadline(60, "tokio timers and net inside run", move || {
        call_from(Caller::TokioCurrentThreadTask, &rt.clone(), move || {
            rt.run(async {
                tokio::time::sleep(Duration::from_millis(2)).await;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let accept = tokio::spawn(async move { listener.accept().await.map(|_| ()) });
                tokio::net::TcpStream::connect(addr).await.unwrap();
                accept.await.unwrap().unwrap();
                "ok"
            })
        })
    });
    assert_eq!(out, "ok");
}

/// Called from a tokio task whose cooperative budget is spent, `run` still completes a
/// future that uses many tokio resources (each would otherwise return `Pending` with an
/// immediate wake-up, forever), on every backend. (Only where async-bridge has tokio in its
/// build, `tokio` or `tokio-context`: without it, it cannot step out of tokio's budget.)
#[cfg(any(feature = "tokio", feature = "tokio-context"))]
fn a_tokio_workers_budget_does_not_hold_up_run<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let rt = RuntimeThread::from(backend);
    for caller in [Caller::TokioWorker, Caller::TokioCurrentThreadTask] {
        let rt = rt.clone();
        let n = deadline(60, "1,000 channel receives inside run", move || {
            call_from(caller, &rt.clone(), move || {
                rt.run(common::past_tokio_budget())
            })
        });
        assert_eq!(n, 1_000);
    }
}

#[cfg(any(feature = "tokio", feature = "tokio-context"))]
per_backend!(a_tokio_workers_budget_does_not_hold_up_run);

/// The same inside tokio's own `Handle::block_on` (which polls under a budget too) on a
/// plain thread and inside a `spawn_blocking` closure, where async-bridge sees no context of
/// its own.
#[cfg(any(feature = "tokio", feature = "tokio-context"))]
#[test]
fn a_tokio_block_on_budget_does_not_hold_up_run() {
    let rt = RuntimeThread::new();
    let receive_many = |rt: &RuntimeThread| rt.run(common::past_tokio_budget());
    let n = deadline(60, "inside a current-thread Handle::block_on", {
        let rt = rt.clone();
        move || {
            let tokio = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let handle = tokio.handle().clone();
            thread::spawn(move || handle.block_on(async { receive_many(&rt) }))
                .join()
                .unwrap()
        }
    });
    assert_eq!(n, 1_000);
    let n = deadline(
        60,
        "inside a block_on inside a spawn_blocking closure",
        move || {
            let inner = rt.clone();
            let tokio = tokio::runtime::Runtime::new().unwrap();
            let handle = tokio.handle().clone();
            rt.run(rt.spawn_blocking(move || handle.block_on(async { receive_many(&inner) })))
                .unwrap()
        },
    );
    assert_eq!(n, 1_000);
}

/// A panic of a nested `run` that the outer future catches leaves the outer one able to
/// wait and be woken (the inner one had reached its slow path, waiting on a timer).
fn a_caught_panic_of_a_nested_run<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let rt = RuntimeThread::from(backend);
    let out = deadline(60, "outer run after the inner one panicked", move || {
        let inner = rt.clone();
        rt.run(async move {
            // The outer run waits first: it is in its slow path when the inner one runs.
            async_bridge::sleep(Duration::from_millis(5)).await;
            let caught = catch_unwind(AssertUnwindSafe(|| {
                inner.run(async {
                    async_bridge::sleep(Duration::from_millis(5)).await;
                    panic!("inner run panicked on purpose");
                })
            }));
            assert!(caught.is_err());
            async_bridge::sleep(Duration::from_millis(5)).await;
            async_bridge::spawn(async { 7 }).await.unwrap()
        })
    });
    assert_eq!(out, 7);
}

per_backend!(a_caught_panic_of_a_nested_run);

/// `run` in a thread-local's destructor (the thread's teardown) completes, on every backend
/// the process survives it on.
fn run_in_a_thread_local_destructor<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    use std::cell::RefCell;
    use std::sync::mpsc;

    struct RunOnDrop(Option<(RuntimeThread, mpsc::Sender<u32>)>);
    impl Drop for RunOnDrop {
        fn drop(&mut self) {
            if let Some((rt, tx)) = self.0.take() {
                let out = rt.run(async {
                    async_bridge::yield_now().await;
                    6
                });
                // A timeout made here, where tokio's thread-locals may be gone already.
                let timed = rt.run(async_bridge::Timer::timeout(
                    &rt,
                    Duration::from_secs(5),
                    async { 7 },
                ));
                let _ = tx.send(out + timed.unwrap_or(100));
            }
        }
    }
    thread_local! {
        static SLOT: RefCell<RunOnDrop> = const { RefCell::new(RunOnDrop(None)) };
    }
    let rt = RuntimeThread::from(backend);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // Touch tokio's and async-bridge's thread-locals first, so theirs are destroyed
        // around ours.
        assert_eq!(rt.run(async { 1 }), 1);
        SLOT.with(|slot| slot.borrow_mut().0 = Some((rt, tx)));
    })
    .join()
    .unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(30)), Ok(13));
}

per_backend!(run_in_a_thread_local_destructor);

/// A borrowed current-thread tokio runtime is driven only by its owner: `run` from the
/// thread that drives it is the call that could only deadlock, and panics.
#[cfg(feature = "tokio")]
#[test]
fn run_on_the_thread_of_a_borrowed_current_thread_runtime() {
    let msg = deadline(60, "run from the owner of a borrowed runtime", || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let rt = RuntimeThread::from(async_bridge::Tokio::current());
                let caught = catch_unwind(AssertUnwindSafe(|| rt.run(async { 1 })));
                message(&*caught.expect_err("panics rather than deadlock"))
            })
    });
    assert!(msg.contains("could only deadlock"), "{msg}");
}

/// `shutdown_timeout` called from a task of its own runtime, where the shutdown needs that
/// thread, returns at once.
#[cfg(feature = "tokio")]
#[test]
fn shutdown_timeout_from_its_own_task() {
    let rt = RuntimeThread::from(async_bridge::Tokio::current_thread());
    let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel::<()>();
    let (tx, rx) = std::sync::mpsc::channel();
    let last = rt.clone();
    rt.spawn(async move {
        // The test has dropped its clone: this one is the last.
        let _ = dropped_rx.await;
        let start = Instant::now();
        let done = last.shutdown_timeout(Duration::from_secs(30));
        let _ = tx.send((done, start.elapsed()));
    })
    .detach();
    drop(rt);
    dropped_tx.send(()).unwrap();
    let (done, took) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the task reported");
    assert!(!done);
    assert!(took < Duration::from_secs(10), "{took:?}");
}

/// `shutdown_timeout` is bounded while a blocking closure and a task are stuck, and shuts
/// down only with the last clone.
#[test]
fn shutdown_is_bounded_while_work_is_stuck() {
    let rt = RuntimeThread::new();
    let release = Arc::new(AtomicBool::new(false));
    let (r1, r2) = (release.clone(), release.clone());
    let _blocking = rt.spawn_blocking(move || {
        while !r1.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(10));
        }
    });
    // A task that blocks its thread in a poll (what the watchdog exists for).
    let _stuck = rt.spawn(async move {
        while !r2.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(10));
        }
    });
    thread::sleep(Duration::from_millis(50));

    let other = rt.clone();
    assert!(
        !other.shutdown_timeout(Duration::from_secs(5)),
        "another clone remains"
    );
    assert_eq!(rt.run(async { 1 }), 1, "still running");

    let start = Instant::now();
    let done = deadline(60, "shutdown_timeout", move || {
        rt.shutdown_timeout(Duration::from_millis(300))
    });
    let took = start.elapsed();
    release.store(true, Ordering::SeqCst);
    // A generous bound, not a timing: the work stays stuck until released.
    assert!(took < Duration::from_secs(20), "shutdown took {took:?}");
    assert!(!done, "stuck work held the runtime up past the timeout");
}

/// A `RuntimeThread` with nothing stuck shuts down in time, and its pending tasks are
/// cancelled.
#[test]
fn shutdown_timeout_cancels_pending_tasks() {
    let rt = RuntimeThread::new();
    if format!("{rt:?}").contains("async-std") {
        return;
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(dropped.clone());
    let task = rt.spawn(async move {
        let _flag = flag;
        std::future::pending::<()>().await
    });
    thread::sleep(Duration::from_millis(20));
    assert!(rt.shutdown_timeout(Duration::from_secs(30)));
    wait_until("the pending task is cancelled", || {
        dropped.load(Ordering::SeqCst)
    });
    let out = async_bridge::block_on(task);
    assert!(out.unwrap_err().is_cancelled());
}

static SHARED: std::sync::LazyLock<RuntimeThread> = std::sync::LazyLock::new(RuntimeThread::new);

/// One in a `static`, used from many threads and from async code.
#[test]
fn a_runtime_thread_in_a_static() {
    let threads: Vec<_> = (0..4)
        .map(|i| thread::spawn(move || SHARED.run(async move { i * 2 })))
        .collect();
    let sum: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(sum, 12);
    let from_async = deadline(60, "static from a tokio worker", || {
        call_from(Caller::TokioWorker, &SHARED, || SHARED.run(async { 5 }))
    });
    assert_eq!(from_async, 5);
}

/// A process whose `static` `RuntimeThread` has tasks (one pending, one timer, one blocking
/// closure) when `main` returns exits cleanly: status 0, no panic on stderr.
#[test]
fn process_exit_with_a_static_is_clean() {
    if std::env::var_os("ASYNC_BRIDGE_STATIC_CHILD").is_some() {
        SHARED.spawn(std::future::pending::<()>()).detach();
        SHARED
            .spawn(async { async_bridge::sleep(Duration::from_secs(30)).await })
            .detach();
        SHARED
            .spawn_blocking(|| thread::sleep(Duration::from_secs(30)))
            .detach();
        assert_eq!(SHARED.run(async { 1 }), 1);
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "process_exit_with_a_static_is_clean",
            "--test-threads=1",
        ])
        .env("ASYNC_BRIDGE_STATIC_CHILD", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child failed: {:?}\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn debug_and_default() {
    let rt = RuntimeThread::default();
    let shown = format!("{rt:?}");
    assert!(shown.starts_with("RuntimeThread { runtime: "), "{shown}");
    fn is_runtime<R: Runtime + std::fmt::Debug + Default>(_: &R) {}
    is_runtime(&rt);
    // `block_on` of a `RuntimeThread` is `run`: it never refuses.
    use async_bridge::BlockOn;
    let nested =
        async_bridge::block_on(async_bridge::spawn(
            async move { rt.try_block_on(async { 9 }) },
        ));
    assert_eq!(nested.unwrap(), Ok(9));
}

per_backend!(a_timeout_counts_from_when_it_was_made);

/// A `RuntimeThread`'s timeout, and that of a `RuntimeHandle` of one (the boxed path), count
/// from the call, though their timer is made at the first poll: made with 30 ms and first
/// polled 60 ms later, the time is up at that poll, before a future that would finish
/// 10 ms after it.
fn a_timeout_counts_from_when_it_was_made<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    use async_bridge::{BlockOn, RuntimeHandle, Timer};
    const MS: Duration = Duration::from_millis(1);

    let rt = RuntimeThread::from(backend);
    let handle = RuntimeHandle::new(rt.clone());
    let soon = |rt: &RuntimeThread| {
        let rt = rt.clone();
        async move { rt.sleep(10 * MS).await }
    };
    let late = rt.timeout(30 * MS, soon(&rt));
    let handle_late = handle.timeout(30 * MS, soon(&rt));
    thread::sleep(60 * MS);
    assert!(rt.run(late).is_err());
    assert!(handle.block_on(handle_late).is_err());
    assert_eq!(
        rt.run(rt.timeout(Duration::from_secs(5), async { 7 })),
        Ok(7)
    );
}

/// A timeout made in a thread-local destructor that runs after tokio's thread-locals are
/// gone (registered before them, so destroyed after): its deadline cannot be read with
/// the runtime entered, and the system's clock is read instead of panicking.
fn timeout_after_tokios_thread_locals_are_gone<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    use async_bridge::Timer;
    use std::cell::RefCell;
    use std::sync::mpsc;

    struct TimeoutOnDrop(Option<(RuntimeThread, mpsc::Sender<Option<u32>>)>);
    impl Drop for TimeoutOnDrop {
        fn drop(&mut self) {
            if let Some((rt, tx)) = self.0.take() {
                let timeout = catch_unwind(AssertUnwindSafe(|| {
                    rt.timeout(Duration::from_secs(5), async { 7 })
                }));
                let _ = tx.send(timeout.ok().and_then(|t| rt.run(t).ok()));
            }
        }
    }
    thread_local! {
        static SLOT: RefCell<TimeoutOnDrop> = const { RefCell::new(TimeoutOnDrop(None)) };
    }
    if !common::variant_of(&backend).name().starts_with("tokio") {
        // `run` itself needs smol's and async-std's thread-locals (see the test above).
        return;
    }
    let rt = RuntimeThread::from(backend);
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        // Ours first, then tokio's and async-bridge's: destroyed in the reverse order.
        SLOT.with(|_| ());
        assert_eq!(rt.run(async { 1 }), 1);
        let _ = tokio::runtime::Handle::try_current();
        SLOT.with(|slot| slot.borrow_mut().0 = Some((rt, tx)));
    })
    .join()
    .unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(30)), Ok(Some(7)));
}

per_backend!(timeout_after_tokios_thread_locals_are_gone);
