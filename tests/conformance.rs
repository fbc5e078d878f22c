//! The conformance suite: the contract of DESIGN.md, the same bodies on every enabled
//! backend and tokio flavour (`name::tokio_multi_thread`, `name::tokio_current_thread`,
//! `name::smol`, `name::async_std`), every body under a deadline.
//!
//! The bodies are generic over `R: Runtime` (the way library code uses async-bridge) and
//! drive their async parts with `rt.block_on`, since a tokio current-thread runtime runs its
//! tasks only while it is driven.

#[macro_use]
mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use async_bridge::{BlockOn, JoinHandle, Runtime, RuntimeHandle, Spawn, SpawnBlocking, Timer};
use common::{CountDrop, DropFlag, PanicOnDrop, wait_until};
use tokio::sync::oneshot;

const MS: Duration = Duration::from_millis(1);

/// `block_on` inside a task of `rt` blocks in place rather than refusing: tokio multi-thread.
fn blocks_in_place<R: Runtime + std::fmt::Debug>(rt: &R) -> bool {
    format!("{rt:?}").contains("multi-thread")
}

/// The name `JoinHandle`'s `Debug` gives `rt`'s tasks.
fn backend_name<R: Runtime + std::fmt::Debug>(rt: &R) -> &'static str {
    let debug = format!("{rt:?}");
    if debug.starts_with("Tokio") {
        "tokio"
    } else if debug.starts_with("Smol") {
        "smol"
    } else {
        "async-std"
    }
}

// ---------------------------------------------------------------------------------------
// Task semantics: drop detaches, abort cancels, panics become JoinError.
// ---------------------------------------------------------------------------------------

per_backend!(
    dropping_the_handle_detaches,
    dropped_blocking_handle_still_runs,
    detach_lets_the_task_finish,
    abort_cancels_and_drops_the_future,
    abort_before_the_first_poll_cancels,
    abort_is_idempotent,
    abort_after_finish_keeps_the_output,
    abort_does_not_interrupt_a_started_blocking_closure,
    panic_becomes_join_error_with_payload,
    blocking_panic_becomes_join_error,
    runtime_keeps_serving_after_panics,
    panicking_destructor_of_aborted_task_is_survived,
    panicking_destructor_of_a_detached_output_is_survived,
    join_handle_is_send_sync_and_debug,
);

fn dropping_the_handle_detaches<R: Runtime>(rt: R) {
    let (tx, rx) = oneshot::channel();
    let timer = rt.clone();
    drop(rt.spawn(async move {
        timer.sleep(5 * MS).await;
        tx.send(7).unwrap();
    }));
    assert_eq!(rt.block_on(rx).unwrap(), 7);
}

fn dropped_blocking_handle_still_runs<R: Runtime>(rt: R) {
    let (tx, rx) = oneshot::channel();
    drop(rt.spawn_blocking(move || {
        thread::sleep(5 * MS);
        tx.send("ran").unwrap();
    }));
    assert_eq!(rt.block_on(rx).unwrap(), "ran");
}

fn detach_lets_the_task_finish<R: Runtime>(rt: R) {
    let (tx, rx) = oneshot::channel();
    rt.spawn(async move { tx.send(1).unwrap() }).detach();
    assert_eq!(rt.block_on(rx).unwrap(), 1);
}

fn abort_cancels_and_drops_the_future<R: Runtime>(rt: R) {
    let dropped = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = oneshot::channel();
    let flag = DropFlag(dropped.clone());
    let handle = rt.spawn(async move {
        let _flag = flag;
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await;
    });
    let err = rt.block_on(async {
        started_rx.await.unwrap();
        handle.abort();
        handle.await.unwrap_err()
    });
    assert!(err.is_cancelled(), "{err:?}");
    assert!(!err.is_panic());
    assert_eq!(err.to_string(), "task was cancelled");
    wait_until("the aborted future is dropped", || {
        dropped.load(Ordering::SeqCst)
    });
}

fn abort_before_the_first_poll_cancels<R: Runtime>(rt: R) {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(dropped.clone());
    let handle = rt.spawn(async move {
        let _flag = flag;
        std::future::pending::<()>().await;
    });
    handle.abort();
    assert!(rt.block_on(handle).unwrap_err().is_cancelled());
    wait_until("the aborted future is dropped", || {
        dropped.load(Ordering::SeqCst)
    });
}

fn abort_is_idempotent<R: Runtime>(rt: R) {
    let handle = rt.spawn(std::future::pending::<()>());
    handle.abort();
    handle.abort();
    handle.abort();
    assert!(rt.block_on(handle).unwrap_err().is_cancelled());
}

fn abort_after_finish_keeps_the_output<R: Runtime>(rt: R) {
    let handle = rt.spawn(async { 5 });
    let out = rt.block_on(async {
        while !handle.is_finished() {
            rt.sleep(MS).await;
        }
        handle.abort();
        assert!(handle.is_finished());
        handle.await
    });
    assert_eq!(out.unwrap(), 5);
}

fn abort_does_not_interrupt_a_started_blocking_closure<R: Runtime>(rt: R) {
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
    wait_until("the blocking closure starts", || {
        started.load(Ordering::SeqCst)
    });
    handle.abort();
    go_tx.send(()).unwrap();
    // It ran to its end; its output is dropped, as the task was aborted before it finished.
    let res = rt.block_on(handle);
    assert!(res.unwrap_err().is_cancelled());
    assert!(
        finished.load(Ordering::SeqCst),
        "the closure was interrupted"
    );
}

#[derive(Debug, PartialEq)]
struct CustomPayload(u32);

fn panic_becomes_join_error_with_payload<R: Runtime>(rt: R) {
    let err = rt
        .block_on(rt.spawn(async { panic!("static str") }))
        .unwrap_err();
    assert!(err.is_panic() && !err.is_cancelled());
    assert_eq!(err.to_string(), "task panicked with message \"static str\"");
    assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "static str");

    let n = 3;
    let err = rt
        .block_on(rt.spawn(async move { panic!("formatted {n}") }))
        .unwrap_err();
    assert_eq!(format!("{err:?}"), "JoinError::Panic(\"formatted 3\")");
    assert_eq!(
        *err.into_panic().downcast::<String>().unwrap(),
        "formatted 3"
    );

    let err = rt
        .block_on(rt.spawn(async { std::panic::panic_any(CustomPayload(9)) }))
        .unwrap_err();
    assert_eq!(err.to_string(), "task panicked");
    let payload = err.try_into_panic().unwrap();
    assert_eq!(
        *payload.downcast::<CustomPayload>().unwrap(),
        CustomPayload(9)
    );
}

fn blocking_panic_becomes_join_error<R: Runtime>(rt: R) {
    let err = rt
        .block_on(rt.spawn_blocking(|| panic!("blocking boom")))
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(
        err.to_string(),
        "task panicked with message \"blocking boom\""
    );
}

fn runtime_keeps_serving_after_panics<R: Runtime>(rt: R) {
    let handles: Vec<JoinHandle<()>> = (0..100)
        .map(|i| rt.spawn(async move { panic!("task {i}") }))
        .collect();
    let blocking: Vec<JoinHandle<()>> = (0..20)
        .map(|i| rt.spawn_blocking(move || panic!("closure {i}")))
        .collect();
    rt.block_on(async {
        for h in handles.into_iter().chain(blocking) {
            assert!(h.await.unwrap_err().is_panic());
        }
    });
    assert_eq!(
        rt.block_on(rt.spawn(async { "still serving" })).unwrap(),
        "still serving"
    );
}

fn panicking_destructor_of_aborted_task_is_survived<R: Runtime>(rt: R) {
    let (started_tx, started_rx) = oneshot::channel();
    let handle = rt.spawn(async move {
        let _bomb = PanicOnDrop;
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await;
    });
    let err = rt.block_on(async {
        started_rx.await.unwrap();
        handle.abort();
        handle.await.unwrap_err()
    });
    assert!(err.is_cancelled(), "{err:?}");
    // The process and the runtime are still here.
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
}

fn panicking_destructor_of_a_detached_output_is_survived<R: Runtime>(rt: R) {
    let drops = Arc::new(AtomicUsize::new(0));
    let counted = CountDrop(drops.clone());
    rt.spawn(async move {
        let _counted = counted;
        PanicOnDrop
    })
    .detach();
    rt.spawn_blocking(|| PanicOnDrop).detach();
    rt.block_on(async {
        while drops.load(Ordering::SeqCst) == 0 {
            rt.sleep(MS).await;
        }
        rt.sleep(10 * MS).await;
    });
    assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
}

fn join_handle_is_send_sync_and_debug<R: Runtime + std::fmt::Debug>(rt: R) {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let handle = rt.spawn(async { 1 });
    assert_send_sync(&handle);
    let debug = format!("{handle:?}");
    assert!(debug.contains(backend_name(&rt)), "{debug}");
    assert_eq!(rt.block_on(handle).unwrap(), 1);
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<async_bridge::JoinError>();
    assert_error::<async_bridge::BlockOnError>();
    assert_error::<async_bridge::Elapsed>();
}

// ---------------------------------------------------------------------------------------
// Spawning from anywhere, at volume, and from generic code.
// ---------------------------------------------------------------------------------------

per_backend!(
    spawn_from_a_plain_thread,
    spawn_inside_a_task,
    spawn_inside_block_on,
    spawn_inside_a_spawn_blocking_closure,
    free_functions_use_the_runtime_they_are_in,
    ten_thousand_tasks,
    generic_library_code,
    runtime_handle_keeps_output_types,
);

fn spawn_from_a_plain_thread<R: Runtime>(rt: R) {
    let spawner = rt.clone();
    let handle = thread::spawn(move || spawner.spawn(async { 1 }))
        .join()
        .unwrap();
    assert_eq!(rt.block_on(handle).unwrap(), 1);
}

fn spawn_inside_a_task<R: Runtime>(rt: R) {
    let inner = rt.clone();
    let out = rt.block_on(rt.spawn(async move { inner.spawn(async { 2 }).await.unwrap() }));
    assert_eq!(out.unwrap(), 2);
}

fn spawn_inside_block_on<R: Runtime>(rt: R) {
    assert_eq!(
        rt.block_on(async { rt.spawn(async { 3 }).await.unwrap() }),
        3
    );
}

fn spawn_inside_a_spawn_blocking_closure<R: Runtime>(rt: R) {
    let inner = rt.clone();
    let handle = rt
        .block_on(rt.spawn_blocking(move || inner.spawn(async { 4 })))
        .unwrap();
    assert_eq!(rt.block_on(handle).unwrap(), 4);
}

fn free_functions_use_the_runtime_they_are_in<R: Runtime + std::fmt::Debug>(rt: R) {
    let expected = backend_name(&rt);
    let in_block_on = rt.block_on(async { format!("{:?}", async_bridge::spawn(async {})) });
    assert!(
        in_block_on.contains(expected),
        "{in_block_on} is not on {expected}"
    );
    let in_task = rt
        .block_on(rt.spawn(async { format!("{:?}", async_bridge::spawn(async {})) }))
        .unwrap();
    assert!(in_task.contains(expected), "{in_task} is not on {expected}");
    let in_blocking = rt
        .block_on(rt.spawn_blocking(|| format!("{:?}", async_bridge::spawn(async {}))))
        .unwrap();
    assert!(
        in_blocking.contains(expected),
        "{in_blocking} is not on {expected}"
    );
    // And they work there.
    let out = rt.block_on(async {
        async_bridge::sleep(MS).await;
        async_bridge::yield_now().await;
        let a = async_bridge::spawn(async { 1 }).await.unwrap();
        let b = async_bridge::spawn_blocking(|| 2).await.unwrap();
        let c = async_bridge::timeout(Duration::from_secs(5), async { 3 })
            .await
            .unwrap();
        a + b + c
    });
    assert_eq!(out, 6);
}

fn ten_thousand_tasks<R: Runtime>(rt: R) {
    let handles: Vec<_> = (0..10_000u64).map(|i| rt.spawn(async move { i })).collect();
    let sum = rt.block_on(async {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
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

fn generic_library_code<R: Runtime>(rt: R) {
    let out = rt.block_on(checksum_in_the_background(&rt, vec![1, 2, 3]));
    assert_eq!(out, Ok(6));
}

fn runtime_handle_keeps_output_types<R: Runtime>(rt: R) {
    let handle = RuntimeHandle::new(rt);
    // A handle of a handle is the same handle.
    let handle = RuntimeHandle::new(handle);
    let typed: JoinHandle<i32> = handle.spawn(async { 5 });
    assert_eq!(handle.block_on(typed).unwrap(), 5);
    let text: JoinHandle<String> = handle.spawn_blocking(|| "blocking".to_string());
    assert_eq!(handle.block_on(text).unwrap(), "blocking");
    let err = handle
        .block_on(handle.spawn(async { panic!("dyn boom") }))
        .unwrap_err();
    assert_eq!(err.to_string(), "task panicked with message \"dyn boom\"");
    let pending = handle.spawn(std::future::pending::<()>());
    pending.abort();
    assert!(handle.block_on(pending).unwrap_err().is_cancelled());
    handle.block_on(async {
        handle.sleep(MS).await;
        assert!(
            handle
                .timeout(MS, std::future::pending::<()>())
                .await
                .is_err()
        );
    });
    // And it is a Runtime: generic code takes it.
    assert_eq!(
        handle.block_on(checksum_in_the_background(&handle, vec![4])),
        Ok(4)
    );
}

// ---------------------------------------------------------------------------------------
// Where `block_on` may run.
// ---------------------------------------------------------------------------------------

per_backend!(
    block_on_runs_on_a_plain_thread,
    block_on_runs_on_eight_threads_at_once,
    block_on_runs_inside_a_spawn_blocking_closure,
    block_on_inside_a_task_blocks_in_place_or_refuses,
    nested_block_on_blocks_in_place_or_refuses,
    refusal_panics_with_the_fix,
    try_block_on_drops_a_refused_future_unpolled,
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

fn block_on_runs_inside_a_spawn_blocking_closure<R: Runtime>(rt: R) {
    let inner = rt.clone();
    let out = rt.block_on(rt.spawn_blocking(move || inner.block_on(async { 5 })));
    assert_eq!(out.unwrap(), 5);
    // The free function too, on whatever runtime is current there.
    let out = rt.block_on(rt.spawn_blocking(|| async_bridge::block_on(async { 6 })));
    assert_eq!(out.unwrap(), 6);
}

fn block_on_inside_a_task_blocks_in_place_or_refuses<R: Runtime + std::fmt::Debug>(rt: R) {
    let inner = rt.clone();
    let res = rt
        .block_on(rt.spawn(async move { inner.try_block_on(async { 6 }) }))
        .unwrap();
    let free = rt
        .block_on(rt.spawn(async { async_bridge::try_block_on(async { 6 }) }))
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

fn nested_block_on_blocks_in_place_or_refuses<R: Runtime + std::fmt::Debug>(rt: R) {
    let res = rt.block_on(async { rt.try_block_on(async { 7 }) });
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

fn refusal_panics_with_the_fix<R: Runtime + std::fmt::Debug>(rt: R) {
    let inner = rt.clone();
    let outcome = rt
        .block_on(rt.spawn(async move {
            catch_unwind(AssertUnwindSafe(|| inner.block_on(async { 8 }))).map_err(|payload| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_default()
            })
        }))
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

fn try_block_on_drops_a_refused_future_unpolled<R: Runtime + std::fmt::Debug>(rt: R) {
    if blocks_in_place(&rt) {
        return;
    }
    let polled = Arc::new(AtomicBool::new(false));
    let seen = polled.clone();
    let res = rt.block_on(async {
        rt.try_block_on(async move {
            seen.store(true, Ordering::SeqCst);
        })
    });
    assert!(res.is_err());
    assert!(!polled.load(Ordering::SeqCst));
}

// ---------------------------------------------------------------------------------------
// Timers.
// ---------------------------------------------------------------------------------------

per_backend!(
    timers_made_outside_any_runtime_work_on_any_executor,
    timeout_elapses_and_drops_the_future
);

fn timers_made_outside_any_runtime_work_on_any_executor<R: Runtime + std::fmt::Debug>(rt: R) {
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
    if format!("{rt:?}").contains("current-thread") {
        // A current-thread runtime drives its timers only inside its own block_on.
        rt.block_on(async {
            sleep.await;
            assert!(timeout.await.is_err());
            assert_eq!(ready.await, Ok(1));
            on_other_thread.await;
        });
    } else {
        // Polled by an executor that is not the backend's.
        futures_lite::future::block_on(async {
            sleep.await;
            assert!(timeout.await.is_err());
            assert_eq!(ready.await, Ok(1));
            on_other_thread.await;
        });
    }
}

fn timeout_elapses_and_drops_the_future<R: Runtime>(rt: R) {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(dropped.clone());
    let res = rt.block_on(rt.timeout(5 * MS, async move {
        let _flag = flag;
        std::future::pending::<()>().await
    }));
    let err = res.unwrap_err();
    assert_eq!(err.to_string(), "deadline has elapsed");
    assert!(dropped.load(Ordering::SeqCst));
}

#[test]
fn free_timers_made_outside_any_runtime() {
    #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
    common::deadline(30, "free timers", || {
        let sleep = async_bridge::sleep(2 * MS);
        let timeout = async_bridge::timeout(2 * MS, std::future::pending::<()>());
        futures_lite::future::block_on(async {
            sleep.await;
            assert!(timeout.await.is_err());
        });
    });
}
