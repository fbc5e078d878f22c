//! The conformance suite: the contract of DESIGN.md, the same bodies on every enabled
//! backend and tokio flavour (`name::tokio_multi_thread`, `name::tokio_current_thread`,
//! `name::smol`, `name::async_std`), every body under a deadline.
//!
//! Async bodies use the project's own test matrix, `#[async_bridge::test]`, and take the
//! variant's runtime as `rt`. Bodies about sync code (a plain thread calling `block_on`,
//! timers made outside any runtime) are generic `fn name<R: Runtime>(rt: R)` pasted per
//! backend by `per_backend!`: as async bodies they would run inside a `block_on` and test
//! something else.
#![cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]

#[macro_use]
mod common;

use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use async_bridge::{BlockOn, JoinHandle, Runtime, RuntimeHandle, Spawn, SpawnBlocking, Timer};
use common::{CountDrop, DropFlag, PanicOnDrop};
use tokio::sync::oneshot;

const MS: Duration = Duration::from_millis(1);

/// `block_on` inside a task of `rt` blocks in place rather than refusing: tokio multi-thread.
fn blocks_in_place<R: Runtime>(rt: &R) -> bool {
    common::variant_of(rt).blocks_in_place()
}

/// The name `JoinHandle`'s `Debug` gives `rt`'s tasks.
fn backend_name<R: Runtime>(rt: &R) -> &'static str {
    common::variant_of(rt).backend()
}

/// Waits without blocking the executor until `cond` holds.
async fn until<R: Runtime>(rt: &R, what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..5_000 {
        if cond() {
            return;
        }
        rt.sleep(MS).await;
    }
    panic!("timed out waiting until {what}");
}

// ---------------------------------------------------------------------------------------
// Task semantics: drop detaches, abort cancels, panics become JoinError.
// ---------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------
// Task semantics: drop detaches, abort cancels, panics become JoinError.
// ---------------------------------------------------------------------------------------

#[async_bridge::test(timeout = "60s")]
async fn dropping_the_handle_detaches(rt: impl Runtime) {
    let (tx, rx) = oneshot::channel();
    let timer = rt.clone();
    drop(rt.spawn(async move {
        timer.sleep(5 * MS).await;
        tx.send(7).unwrap();
    }));
    assert_eq!(rx.await.unwrap(), 7);
}

#[async_bridge::test(timeout = "60s")]
async fn dropped_blocking_handle_still_runs(rt: impl Runtime) {
    let (tx, rx) = oneshot::channel();
    drop(rt.spawn_blocking(move || {
        thread::sleep(5 * MS);
        tx.send("ran").unwrap();
    }));
    assert_eq!(rx.await.unwrap(), "ran");
}

#[async_bridge::test(timeout = "60s")]
async fn detach_lets_the_task_finish(rt: impl Runtime) {
    let (tx, rx) = oneshot::channel();
    rt.spawn(async move { tx.send(1).unwrap() }).detach();
    assert_eq!(rx.await.unwrap(), 1);
}

/// Polls `handle` once more after it returned `Ready`: whether that panicked saying so
/// (async-bridge's message on smol and async-std, tokio's own on tokio). A panic that says
/// something else fails the test.
fn poll_again<T: Send + 'static>(handle: &mut JoinHandle<T>) -> bool {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
        let _ = std::pin::Pin::new(handle).poll(&mut cx);
    })) else {
        return false;
    };
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or_default();
    assert!(
        message.contains("polled after"),
        "polling a handle again panicked with another message: {message:?}"
    );
    true
}

#[async_bridge::test(timeout = "60s")]
async fn an_awaited_handle_is_finished_and_abort_does_nothing(rt: impl Runtime) {
    let mut task = rt.spawn(async { 1u32 });
    let mut blocking = rt.spawn_blocking(|| 2u32);
    assert_eq!((&mut task).await.unwrap(), 1);
    assert_eq!((&mut blocking).await.unwrap(), 2);
    for finished in [task.is_finished(), blocking.is_finished()] {
        assert!(finished, "a handle awaited to the end is finished");
    }
    task.abort();
    blocking.abort();
    assert!(task.is_finished() && blocking.is_finished());
    // Still the awaited handles (not turned into cancellations): a poll panics.
    assert!(
        poll_again(&mut task),
        "an awaited task's handle after abort"
    );
    assert!(
        poll_again(&mut blocking),
        "an awaited blocking handle after abort"
    );
}

#[async_bridge::test(timeout = "60s")]
async fn polling_a_handle_again_after_ready_panics(rt: impl Runtime) {
    let mut task = rt.spawn(async { 1u32 });
    assert_eq!((&mut task).await.unwrap(), 1);
    assert!(poll_again(&mut task), "a task's handle polled after Ready");

    let mut blocking = rt.spawn_blocking(|| 2u32);
    assert_eq!((&mut blocking).await.unwrap(), 2);
    assert!(
        poll_again(&mut blocking),
        "a blocking handle polled after Ready"
    );

    let (_tx, rx) = oneshot::channel::<()>();
    let mut aborted = rt.spawn(async move { rx.await.ok() });
    aborted.abort();
    assert!((&mut aborted).await.unwrap_err().is_cancelled());
    assert!(
        poll_again(&mut aborted),
        "an aborted handle polled after Ready"
    );
}

#[async_bridge::test(timeout = "60s")]
async fn abort_cancels_and_drops_the_future(rt: impl Runtime) {
    let dropped = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = oneshot::channel();
    let flag = DropFlag(dropped.clone());
    let handle = rt.spawn(async move {
        let _flag = flag;
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await;
    });
    started_rx.await.unwrap();
    handle.abort();
    let err = handle.await.unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    assert!(!err.is_panic());
    assert_eq!(err.to_string(), "task was cancelled");
    until(&rt, "the aborted future is dropped", || {
        dropped.load(Ordering::SeqCst)
    })
    .await;
}

#[async_bridge::test(timeout = "60s")]
async fn abort_before_the_first_poll_cancels(rt: impl Runtime) {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(dropped.clone());
    let handle = rt.spawn(async move {
        let _flag = flag;
        std::future::pending::<()>().await;
    });
    handle.abort();
    assert!(handle.await.unwrap_err().is_cancelled());
    until(&rt, "the aborted future is dropped", || {
        dropped.load(Ordering::SeqCst)
    })
    .await;
}

#[async_bridge::test(timeout = "60s")]
async fn abort_is_idempotent(rt: impl Runtime) {
    let handle = rt.spawn(std::future::pending::<()>());
    handle.abort();
    handle.abort();
    handle.abort();
    assert!(handle.await.unwrap_err().is_cancelled());
}

#[async_bridge::test(timeout = "60s")]
async fn abort_after_finish_keeps_the_output(rt: impl Runtime) {
    let handle = rt.spawn(async { 5 });
    while !handle.is_finished() {
        rt.sleep(MS).await;
    }
    handle.abort();
    assert!(handle.is_finished());
    assert_eq!(handle.await.unwrap(), 5);
}

#[async_bridge::test(timeout = "60s")]
async fn abort_does_not_interrupt_a_started_blocking_closure(rt: impl Runtime) {
    let started = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let handle = rt.spawn_blocking({
        let started = started.clone();
        let finished = finished.clone();
        move || {
            started.store(true, Ordering::SeqCst);
            go_rx.recv().unwrap();
            finished.store(true, Ordering::SeqCst);
            "output"
        }
    });
    until(&rt, "the blocking closure starts", || {
        started.load(Ordering::SeqCst)
    })
    .await;
    handle.abort();
    go_tx.send(()).unwrap();
    // It runs to its end; its output is dropped, as it was aborted before it finished.
    assert!(handle.await.unwrap_err().is_cancelled());
    assert!(
        finished.load(Ordering::SeqCst),
        "the closure was interrupted"
    );
}

/// Holds a task (or a blocking closure) inside its run until the body has aborted it.
struct Held {
    started: Arc<AtomicBool>,
    go: std::sync::mpsc::Receiver<()>,
}

impl Held {
    fn enter(self) {
        self.started.store(true, Ordering::SeqCst);
        self.go.recv().unwrap();
    }
}

/// Spawns with `spawn`, waits until the run is inside `Held::enter`, aborts it, lets it go
/// on, and returns what awaiting its handle gave.
async fn abort_while_held<R: Runtime>(
    rt: &R,
    what: &str,
    spawn: impl FnOnce(Held) -> JoinHandle<()>,
) -> Result<(), async_bridge::JoinError> {
    let started = Arc::new(AtomicBool::new(false));
    let (go_tx, go) = std::sync::mpsc::channel();
    let handle = spawn(Held {
        started: started.clone(),
        go,
    });
    until(rt, what, || started.load(Ordering::SeqCst)).await;
    handle.abort();
    go_tx.send(()).unwrap();
    handle.await
}

/// `abort` while the task is inside a poll that then panics: the task had not finished
/// when `abort` came, so the awaiter hears of a cancellation and the panic is dropped, as
/// with an output. (Not on tokio current-thread: the task blocks its thread until the body
/// has aborted it, and there the body runs on that same thread.)
#[async_bridge::test(tokio_multi_thread, smol, async_std, timeout = "60s")]
async fn abort_during_a_poll_that_then_panics_is_a_cancellation(rt: impl Runtime) {
    let res = abort_while_held(&rt, "the task is inside its poll", |held| {
        rt.spawn(async move {
            held.enter();
            panic!("a panic after abort");
        })
    })
    .await;
    let err = res.unwrap_err();
    assert!(err.is_cancelled(), "aborted before it finished: {err:?}");
}

/// The same for a started `spawn_blocking` closure that panics after `abort`.
#[async_bridge::test(timeout = "60s")]
async fn abort_of_a_started_blocking_closure_that_then_panics_is_a_cancellation(rt: impl Runtime) {
    let res = abort_while_held(&rt, "the blocking closure starts", |held| {
        rt.spawn_blocking(move || {
            held.enter();
            panic!("a panic after abort");
        })
    })
    .await;
    let err = res.unwrap_err();
    assert!(err.is_cancelled(), "aborted before it finished: {err:?}");
}

#[derive(Debug, PartialEq)]
struct CustomPayload(u32);

#[async_bridge::test(timeout = "60s")]
async fn panic_becomes_join_error_with_payload(rt: impl Runtime) {
    let err = rt.spawn(async { panic!("static str") }).await.unwrap_err();
    assert!(err.is_panic() && !err.is_cancelled());
    assert_eq!(err.to_string(), "task panicked with message \"static str\"");
    assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "static str");

    let n = 3;
    let err = rt
        .spawn(async move { panic!("formatted {n}") })
        .await
        .unwrap_err();
    assert_eq!(format!("{err:?}"), "JoinError::Panic(\"formatted 3\")");
    assert_eq!(
        *err.into_panic().downcast::<String>().unwrap(),
        "formatted 3"
    );

    let err = rt
        .spawn(async { std::panic::panic_any(CustomPayload(9)) })
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "task panicked");
    let payload = err.try_into_panic().unwrap();
    assert_eq!(
        *payload.downcast::<CustomPayload>().unwrap(),
        CustomPayload(9)
    );
}

#[async_bridge::test(timeout = "60s")]
async fn abort_after_a_panic_keeps_the_panic(rt: impl Runtime) {
    // Told finished first: abort then finds the task settled.
    let handle = rt.spawn(async { panic!("before abort") });
    while !handle.is_finished() {
        rt.sleep(MS).await;
    }
    handle.abort();
    assert!(handle.is_finished());
    let err = handle.await.unwrap_err();
    assert!(err.is_panic(), "{err:?}");
    assert_eq!(
        *err.into_panic().downcast::<&str>().unwrap(),
        "before abort"
    );

    // Not asked: abort's cancellation finds the panic itself.
    let (done_tx, done_rx) = oneshot::channel::<()>();
    let handle = rt.spawn(async move {
        let _done = done_tx;
        panic!("unasked")
    });
    // The sender is dropped with the task's future, after the panic.
    let _ = done_rx.await;
    rt.sleep(10 * MS).await;
    handle.abort();
    let err = handle.await.unwrap_err();
    assert!(err.is_panic(), "{err:?}");
    assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "unasked");
}

#[async_bridge::test(timeout = "60s")]
async fn detached_panicking_tasks_are_survived(rt: impl Runtime) {
    let drops = Arc::new(AtomicUsize::new(0));
    for i in 0..20 {
        let counted = CountDrop(drops.clone());
        rt.spawn(async move {
            let _counted = counted;
            panic!("detached {i}")
        })
        .detach();
    }
    until(&rt, "the detached tasks ran", || {
        drops.load(Ordering::SeqCst) == 20
    })
    .await;
    assert_eq!(rt.spawn(async { 3 }).await.unwrap(), 3);
}

/// The test matrix runs smol's global executor; `Smol::with_threads` is async-bridge's own,
/// and must hand a task's panic to its handle the same way.
#[cfg(feature = "smol")]
#[test]
fn a_dedicated_smol_executor_turns_panics_into_join_errors() {
    let rt = async_bridge::Smol::with_threads(2);
    common::deadline(60, "dedicated smol panics", move || {
        rt.block_on(async {
            let err = rt.spawn(async { panic!("dedicated") }).await.unwrap_err();
            assert!(err.is_panic(), "{err:?}");
            assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "dedicated");

            let handle = rt.spawn(async { panic!("dedicated, aborted") });
            while !handle.is_finished() {
                rt.sleep(MS).await;
            }
            handle.abort();
            assert!(handle.await.unwrap_err().is_panic());

            for i in 0..10 {
                rt.spawn(async move { panic!("dedicated, detached {i}") })
                    .detach();
            }
            rt.sleep(10 * MS).await;
            assert_eq!(rt.spawn(async { 4 }).await.unwrap(), 4);
        })
    });
}

#[async_bridge::test(timeout = "60s")]
async fn blocking_panic_becomes_join_error(rt: impl Runtime) {
    let err = rt
        .spawn_blocking(|| panic!("blocking boom"))
        .await
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(
        err.to_string(),
        "task panicked with message \"blocking boom\""
    );
    let err = rt
        .spawn_blocking(|| std::panic::panic_any(CustomPayload(1)))
        .await
        .unwrap_err();
    assert_eq!(
        *err.into_panic().downcast::<CustomPayload>().unwrap(),
        CustomPayload(1)
    );
}

#[async_bridge::test(timeout = "60s")]
async fn runtime_keeps_serving_after_panics(rt: impl Runtime) {
    let handles: Vec<JoinHandle<()>> = (0..100)
        .map(|i| rt.spawn(async move { panic!("task {i}") }))
        .collect();
    let blocking: Vec<JoinHandle<()>> = (0..20)
        .map(|i| rt.spawn_blocking(move || panic!("closure {i}")))
        .collect();
    for h in handles.into_iter().chain(blocking) {
        assert!(h.await.unwrap_err().is_panic());
    }
    assert_eq!(
        rt.spawn(async { "still serving" }).await.unwrap(),
        "still serving"
    );
}

#[async_bridge::test(timeout = "60s")]
async fn panicking_destructor_of_aborted_task_is_survived(rt: impl Runtime) {
    let (started_tx, started_rx) = oneshot::channel();
    let handle = rt.spawn(async move {
        let _bomb = PanicOnDrop;
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await;
    });
    started_rx.await.unwrap();
    handle.abort();
    let err = handle.await.unwrap_err();
    assert!(err.is_cancelled(), "{err:?}");
    // The process and the runtime are still here.
    assert_eq!(rt.spawn(async { 1 }).await.unwrap(), 1);
}

#[async_bridge::test(timeout = "60s")]
async fn panicking_destructor_of_a_detached_output_is_survived(rt: impl Runtime) {
    let drops = Arc::new(AtomicUsize::new(0));
    let counted = CountDrop(drops.clone());
    rt.spawn(async move {
        let _counted = counted;
        PanicOnDrop
    })
    .detach();
    rt.spawn_blocking(|| PanicOnDrop).detach();
    until(&rt, "the detached task ran", || {
        drops.load(Ordering::SeqCst) > 0
    })
    .await;
    rt.sleep(10 * MS).await;
    assert_eq!(rt.spawn(async { 2 }).await.unwrap(), 2);
}

#[async_bridge::test(timeout = "60s")]
async fn join_handle_is_send_sync_and_debug(rt: impl Runtime + Debug) {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    let handle = rt.spawn(async { 1 });
    assert_send_sync(&handle);
    let debug = format!("{handle:?}");
    assert!(debug.contains(backend_name(&rt)), "{debug}");
    assert_eq!(handle.await.unwrap(), 1);
    // An aborted handle (on smol and async-std: its cancellation only) is still named.
    let aborted = rt.spawn(std::future::pending::<()>());
    aborted.abort();
    let debug = format!("{aborted:?}");
    assert!(debug.contains(backend_name(&rt)), "{debug}");
    assert!(aborted.await.unwrap_err().is_cancelled());
    // An awaited one still formats (on smol and async-std its backend is then "none").
    let mut awaited = rt.spawn(async { 2 });
    assert_eq!((&mut awaited).await.unwrap(), 2);
    let debug = format!("{awaited:?}");
    assert!(debug.contains("spawned_at"), "{debug}");
    assert_error::<async_bridge::JoinError>();
    assert_error::<async_bridge::BlockOnError>();
    assert_error::<async_bridge::Elapsed>();
}

// ---------------------------------------------------------------------------------------
// Spawning from anywhere, at volume, and from generic code.
// ---------------------------------------------------------------------------------------

#[async_bridge::test(timeout = "60s")]
async fn spawn_from_a_plain_thread(rt: impl Runtime) {
    let spawner = rt.clone();
    let handle = thread::spawn(move || spawner.spawn(async { 1 }))
        .join()
        .unwrap();
    assert_eq!(handle.await.unwrap(), 1);
}

#[async_bridge::test(timeout = "60s")]
async fn spawn_inside_a_task(rt: impl Runtime) {
    let inner = rt.clone();
    let out = rt
        .spawn(async move { inner.spawn(async { 2 }).await.unwrap() })
        .await;
    assert_eq!(out.unwrap(), 2);
}

#[async_bridge::test(timeout = "60s")]
async fn spawn_inside_block_on(rt: impl Runtime) {
    // The body itself runs inside the variant's block_on.
    assert_eq!(rt.spawn(async { 3 }).await.unwrap(), 3);
}

#[async_bridge::test(timeout = "60s")]
async fn spawn_inside_a_spawn_blocking_closure(rt: impl Runtime) {
    let inner = rt.clone();
    let handle = rt
        .spawn_blocking(move || inner.spawn(async { 4 }))
        .await
        .unwrap();
    assert_eq!(handle.await.unwrap(), 4);
}

#[async_bridge::test(timeout = "60s")]
async fn free_functions_use_the_runtime_they_are_in(rt: impl Runtime + Debug) {
    let expected = backend_name(&rt);
    let in_block_on = format!("{:?}", async_bridge::spawn(async {}));
    assert!(
        in_block_on.contains(expected),
        "{in_block_on} is not on {expected}"
    );
    let in_task = rt
        .spawn(async { format!("{:?}", async_bridge::spawn(async {})) })
        .await
        .unwrap();
    assert!(in_task.contains(expected), "{in_task} is not on {expected}");
    let in_blocking = rt
        .spawn_blocking(|| format!("{:?}", async_bridge::spawn(async {})))
        .await
        .unwrap();
    assert!(
        in_blocking.contains(expected),
        "{in_blocking} is not on {expected}"
    );
    // And they work there.
    async_bridge::sleep(MS).await;
    async_bridge::yield_now().await;
    let a = async_bridge::spawn(async { 1 }).await.unwrap();
    let b = async_bridge::spawn_blocking(|| 2).await.unwrap();
    let c = async_bridge::timeout(Duration::from_secs(5), async { 3 })
        .await
        .unwrap();
    assert_eq!(a + b + c, 6);
}

#[async_bridge::test(timeout = "60s")]
async fn ten_thousand_tasks(rt: impl Runtime) {
    let handles: Vec<_> = (0..10_000u64).map(|i| rt.spawn(async move { i })).collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    assert_eq!(sum, (0..10_000u64).sum::<u64>());
}

/// Library code written once, generic over the runtime.
async fn checksum_in_the_background<R: Runtime>(
    rt: &R,
    data: Vec<u8>,
) -> Result<u32, async_bridge::Elapsed> {
    let sum = rt.spawn_blocking(move || data.iter().map(|&b| u32::from(b)).sum::<u32>());
    rt.timeout(Duration::from_secs(10), async move { sum.await.unwrap() })
        .await
}

#[async_bridge::test(timeout = "60s")]
async fn generic_library_code(rt: impl Runtime) {
    assert_eq!(checksum_in_the_background(&rt, vec![1, 2, 3]).await, Ok(6));
}

#[async_bridge::test(timeout = "60s")]
async fn runtime_handle_keeps_output_types(rt: RuntimeHandle) {
    // A handle of a handle is the same handle.
    let handle = RuntimeHandle::new(rt);
    let typed: JoinHandle<i32> = handle.spawn(async { 5 });
    assert_eq!(typed.await.unwrap(), 5);
    let text: JoinHandle<String> = handle.spawn_blocking(|| "blocking".to_string());
    assert_eq!(text.await.unwrap(), "blocking");
    let err = handle
        .spawn(async { panic!("dyn boom") })
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "task panicked with message \"dyn boom\"");
    let pending = handle.spawn(std::future::pending::<()>());
    pending.abort();
    assert!(pending.await.unwrap_err().is_cancelled());
    handle.sleep(MS).await;
    assert!(
        handle
            .timeout(MS, std::future::pending::<()>())
            .await
            .is_err()
    );
    // And it is a Runtime: generic code takes it.
    assert_eq!(checksum_in_the_background(&handle, vec![4]).await, Ok(4));
}

/// A runtime of the user's own, delegating to a backend: `RuntimeHandle` holds it boxed
/// (`dyn DynRuntime`), where it calls a backend of async-bridge directly.
#[derive(Clone)]
struct Delegating<R>(R);

impl<R: Runtime> BlockOn for Delegating<R> {
    fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.0.block_on(future)
    }

    fn try_block_on<F: std::future::Future>(
        &self,
        future: F,
    ) -> Result<F::Output, async_bridge::BlockOnError> {
        self.0.try_block_on(future)
    }
}

impl<R: Runtime> Spawn for Delegating<R> {
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(future)
    }
}

impl<R: Runtime> SpawnBlocking for Delegating<R> {
    fn spawn_blocking<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.0.spawn_blocking(f)
    }
}

impl<R: Runtime> Timer for Delegating<R> {
    fn sleep(
        &self,
        duration: Duration,
    ) -> impl std::future::Future<Output = ()> + Send + 'static + use<R> {
        self.0.sleep(duration)
    }
}

#[async_bridge::test(timeout = "60s")]
async fn runtime_handle_of_a_runtime_of_ones_own(rt: impl Runtime) {
    let handle = RuntimeHandle::new(Delegating(rt.clone()));
    assert!(
        format!("{handle:?}").contains("Delegating"),
        "{handle:?} names the user's runtime"
    );
    let typed: JoinHandle<i32> = handle.spawn(async { 5 });
    assert_eq!(typed.await.unwrap(), 5);
    let text: JoinHandle<String> = handle.spawn_blocking(|| "blocking".to_string());
    assert_eq!(text.await.unwrap(), "blocking");
    let err = handle
        .spawn(async { panic!("boxed boom") })
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "task panicked with message \"boxed boom\"");
    let pending = handle.spawn(std::future::pending::<()>());
    assert!(!pending.is_finished());
    pending.abort();
    pending.abort();
    assert!(pending.await.unwrap_err().is_cancelled());
    let done = handle.spawn(async { 7_u8 });
    until(&rt, "a boxed task finished", || done.is_finished()).await;
    done.abort();
    assert_eq!(
        done.await.unwrap(),
        7,
        "aborting a finished task keeps its output"
    );
    handle.sleep(MS).await;
    assert!(
        handle
            .timeout(MS, std::future::pending::<()>())
            .await
            .is_err()
    );
    assert_eq!(checksum_in_the_background(&handle, vec![4]).await, Ok(4));
}

#[test]
fn runtime_handle_block_on_from_a_plain_thread() {
    #[cfg(feature = "smol")]
    let handle = RuntimeHandle::from(async_bridge::Smol::default());
    #[cfg(all(not(feature = "smol"), feature = "tokio"))]
    let handle = RuntimeHandle::from(async_bridge::Tokio::new());
    #[cfg(all(not(feature = "smol"), not(feature = "tokio")))]
    let handle = RuntimeHandle::from(async_bridge::AsyncStd::new());
    let borrowed = String::from("not 'static, not Send");
    let out = common::deadline(30, "dyn block_on", move || {
        handle.block_on(async { borrowed.len() })
    });
    assert_eq!(out, 21);
}

// ---------------------------------------------------------------------------------------
// Where `block_on` may run.
// ---------------------------------------------------------------------------------------

per_backend!(
    block_on_runs_on_a_plain_thread,
    block_on_runs_on_eight_threads_at_once
);

fn block_on_runs_on_a_plain_thread<R: Runtime>(rt: R) {
    let out = thread::spawn(move || rt.block_on(async { 1 }))
        .join()
        .unwrap();
    assert_eq!(out, 1);
}

fn block_on_runs_on_eight_threads_at_once<R: Runtime>(rt: R) {
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8u64)
        .map(|i| {
            let rt = rt.clone();
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                rt.block_on(async {
                    rt.sleep(5 * MS).await;
                    let task = rt.spawn(async move { i * 2 });
                    task.await.unwrap()
                })
            })
        })
        .collect();
    let sum: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(sum, (0..8).map(|i| i * 2).sum());
}

#[async_bridge::test(timeout = "60s")]
async fn block_on_runs_inside_a_spawn_blocking_closure(rt: impl Runtime) {
    let inner = rt.clone();
    let out = rt.spawn_blocking(move || inner.block_on(async { 5 })).await;
    assert_eq!(out.unwrap(), 5);
    // The free function too, on whatever runtime is current there.
    let out = rt
        .spawn_blocking(|| async_bridge::block_on(async { 6 }))
        .await;
    assert_eq!(out.unwrap(), 6);
}

#[async_bridge::test(timeout = "60s")]
async fn block_on_inside_a_task_blocks_in_place_or_refuses(rt: impl Runtime + Debug) {
    let inner = rt.clone();
    let res = rt
        .spawn(async move { inner.try_block_on(async { 6 }) })
        .await
        .unwrap();
    let free = rt
        .spawn(async { async_bridge::try_block_on(async { 6 }) })
        .await
        .unwrap();
    if blocks_in_place(&rt) {
        assert_eq!(res, Ok(6));
        assert_eq!(free, Ok(6));
    } else {
        let err = res.unwrap_err();
        assert!(err.is_in_task());
        assert!(err.to_string().contains("inside an async task"), "{err}");
        assert!(free.is_err());
    }
}

#[async_bridge::test(timeout = "60s")]
async fn nested_block_on_blocks_in_place_or_refuses(rt: impl Runtime + Debug) {
    // The body runs inside the variant's block_on.
    let res = rt.try_block_on(async { 7 });
    if blocks_in_place(&rt) {
        assert_eq!(res, Ok(7));
    } else {
        let err = res.unwrap_err();
        assert!(!err.is_in_task());
        assert!(
            err.to_string().contains("inside another `block_on`"),
            "{err}"
        );
    }
}

#[async_bridge::test(timeout = "60s")]
async fn refusal_panics_with_the_fix(rt: impl Runtime + Debug) {
    let inner = rt.clone();
    let outcome = rt
        .spawn(async move {
            catch_unwind(AssertUnwindSafe(|| inner.block_on(async { 8 }))).map_err(|payload| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_default()
            })
        })
        .await
        .unwrap();
    if blocks_in_place(&rt) {
        assert_eq!(outcome, Ok(8));
    } else {
        let message = outcome.unwrap_err();
        assert!(
            message.contains(
                "Use `.await` instead, or move the blocking section into `spawn_blocking`"
            ),
            "{message}"
        );
    }
}

#[async_bridge::test(timeout = "60s")]
async fn try_block_on_drops_a_refused_future_unpolled(rt: impl Runtime + Debug) {
    if blocks_in_place(&rt) {
        return;
    }
    let polled = Arc::new(AtomicBool::new(false));
    let seen = polled.clone();
    let res = rt.try_block_on(async move { seen.store(true, Ordering::SeqCst) });
    assert!(res.is_err());
    assert!(!polled.load(Ordering::SeqCst));
}

// ---------------------------------------------------------------------------------------
// Timers.
// ---------------------------------------------------------------------------------------

per_backend!(timers_made_outside_any_runtime_work_on_any_executor);

fn timers_made_outside_any_runtime_work_on_any_executor<R: Runtime + Debug>(rt: R) {
    // Made on this plain thread, outside any runtime.
    let sleep = rt.sleep(2 * MS);
    let timeout = rt.timeout(2 * MS, std::future::pending::<()>());
    let ready = rt.timeout(Duration::from_secs(5), async { 1 });
    let on_other_thread = thread::spawn({
        let rt = rt.clone();
        move || rt.sleep(2 * MS)
    })
    .join()
    .unwrap();
    let all = async {
        sleep.await;
        assert!(timeout.await.is_err());
        assert_eq!(ready.await, Ok(1));
        on_other_thread.await;
    };
    if common::variant_of(&rt).name() == "tokio_current_thread" {
        // A current-thread runtime drives its timers only inside its own block_on.
        rt.block_on(all);
    } else {
        // Polled by an executor that is not the backend's.
        futures_lite::future::block_on(all);
    }
}

per_backend!(a_timeout_counts_from_when_it_was_made);

fn a_timeout_counts_from_when_it_was_made<R: Runtime + Debug>(rt: R) {
    // Made now with 30 ms, first polled 60 ms later: its time is up at that first poll,
    // although its future would finish 10 ms after it (a timer counted from the first
    // poll would let it). The timer is made only at that poll: the deadline is not.
    let late = rt.timeout(30 * MS, {
        let rt = rt.clone();
        async move { rt.sleep(10 * MS).await }
    });
    // And the free function's, on the ambient runtime.
    let free_late = async_bridge::timeout(30 * MS, {
        let rt = rt.clone();
        async move { rt.sleep(10 * MS).await }
    });
    // And through a `RuntimeHandle` of it.
    let handle = RuntimeHandle::new(rt.clone());
    let handle_late = handle.timeout(30 * MS, {
        let rt = rt.clone();
        async move { rt.sleep(10 * MS).await }
    });
    thread::sleep(60 * MS);
    assert!(rt.block_on(late).is_err());
    assert!(rt.block_on(free_late).is_err());
    assert!(rt.block_on(handle_late).is_err());
    // One made just before its first poll still lets a quick future win.
    assert_eq!(
        rt.block_on(rt.timeout(Duration::from_secs(5), async { 7 })),
        Ok(7)
    );
}

#[async_bridge::test(timeout = "60s")]
async fn timeout_elapses_and_drops_the_future(rt: impl Runtime) {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(dropped.clone());
    let res = rt
        .timeout(5 * MS, async move {
            let _flag = flag;
            std::future::pending::<()>().await
        })
        .await;
    assert_eq!(res.unwrap_err().to_string(), "deadline has elapsed");
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn free_timers_made_outside_any_runtime() {
    common::deadline(30, "free timers", || {
        let sleep = async_bridge::sleep(2 * MS);
        let timeout = async_bridge::timeout(2 * MS, std::future::pending::<()>());
        futures_lite::future::block_on(async {
            sleep.await;
            assert!(timeout.await.is_err());
        });
    });
}

// ---------------------------------------------------------------------------------------
// A future that keeps only the waker of its first poll (every native `block_on` completes
// it): every place async-bridge polls a user's future.
// ---------------------------------------------------------------------------------------

per_backend!(a_first_waker_only_future_completes_in_every_block_on);

fn a_first_waker_only_future_completes_in_every_block_on<R: Runtime>(rt: R) {
    use common::FirstWakerOnly;
    const OUT: &str = "woken through the first waker";
    // `current_thread` drives its timers and tasks only inside its own `block_on`, which
    // the body runs in; the same calls on every backend.
    assert_eq!(rt.block_on(FirstWakerOnly::new()), OUT, "block_on");
    assert_eq!(
        rt.try_block_on(FirstWakerOnly::new()),
        Ok(OUT),
        "try_block_on"
    );
    let handle = RuntimeHandle::new(rt.clone());
    assert_eq!(
        handle.block_on(FirstWakerOnly::new()),
        OUT,
        "the dyn handle's block_on"
    );
    let timed = rt.timeout(Duration::from_secs(30), FirstWakerOnly::new());
    assert_eq!(rt.block_on(timed), Ok(OUT), "timeout");
    let task = rt.spawn(FirstWakerOnly::new());
    assert_eq!(
        rt.block_on(task).unwrap(),
        OUT,
        "a spawned task (the task wrapper)"
    );
    let task = handle.spawn(FirstWakerOnly::new());
    assert_eq!(rt.block_on(task).unwrap(), OUT, "a task of the dyn handle");
    // From a plain thread, where `block_on` is the whole story.
    let on_thread = thread::spawn({
        let rt = rt.clone();
        move || rt.block_on(FirstWakerOnly::new())
    });
    assert_eq!(on_thread.join().unwrap(), OUT, "block_on on a plain thread");
    // A second time on the same thread, after a `block_on` that went the slow way.
    assert_eq!(rt.block_on(FirstWakerOnly::new()), OUT, "block_on again");
}

/// The test macro's runner (the body is the future of a `block_on` on the timeout's thread;
/// without a timeout it is `rt.block_on(body)`, covered above).
#[async_bridge::test(timeout = "60s")]
async fn a_first_waker_only_future_completes_in_the_test_runner() {
    assert_eq!(
        common::FirstWakerOnly::new().await,
        "woken through the first waker"
    );
}

/// The free `block_on` (the default backend) and `Smol::with_threads`' `block_on`.
#[test]
fn a_first_waker_only_future_completes_in_the_free_block_on() {
    common::deadline(60, "free block_on", || {
        assert_eq!(
            async_bridge::block_on(common::FirstWakerOnly::new()),
            "woken through the first waker"
        );
        #[cfg(feature = "smol")]
        {
            let dedicated = async_bridge::Smol::with_threads(1);
            assert_eq!(
                dedicated.block_on(common::FirstWakerOnly::new()),
                "woken through the first waker"
            );
        }
    });
}
