//! The `block_on` table on tokio runtimes the application built itself (`#[tokio::main]`,
//! `#[tokio::test]`, a hand-built `Runtime`), and borrowing them with `Tokio::current`,
//! `Tokio::try_current` and `Tokio::from_handle`.
#![cfg(feature = "tokio")]

mod common;

use async_bridge::{BlockOn, BlockOnError, Spawn, Tokio};
use common::deadline;
use tokio::runtime::{Builder, Runtime};

fn native_current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn native_multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn current_thread_block_on_body_refuses() {
    deadline(30, "current-thread body", || {
        let err = native_current_thread()
            .block_on(async { async_bridge::try_block_on(async { 1 }) })
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("current-thread"), "{message}");
        assert!(message.contains("spawn_blocking"), "{message}");
    });
}

#[test]
fn current_thread_task_refuses() {
    deadline(30, "current-thread task", || {
        let rt = native_current_thread();
        let res = rt.block_on(async {
            tokio::spawn(async { async_bridge::try_block_on(async { 1 }) })
                .await
                .unwrap()
        });
        assert!(res.is_err());
    });
}

#[test]
#[should_panic(
    expected = "Use `.await` instead, or move the blocking section into `spawn_blocking`"
)]
fn current_thread_block_on_panics_with_the_fix() {
    native_current_thread().block_on(async { async_bridge::block_on(async {}) });
}

#[test]
fn current_thread_blocking_thread_runs() {
    deadline(30, "current-thread blocking thread", || {
        let rt = native_current_thread();
        let out = rt.block_on(async {
            tokio::task::spawn_blocking(|| async_bridge::try_block_on(async { 2 }))
                .await
                .unwrap()
        });
        assert_eq!(out, Ok(2));
    });
}

#[test]
fn current_thread_enter_guard_runs() {
    deadline(30, "current-thread enter guard", || {
        let rt = native_current_thread();
        let _guard = rt.enter();
        #[cfg(feature = "smol")]
        assert_eq!(
            async_bridge::Smol::default().try_block_on(async { 3 }),
            Ok(3)
        );
        assert_eq!(Tokio::new().try_block_on(async { 3 }), Ok(3));
    });
}

#[test]
fn multi_thread_task_blocks_in_place() {
    deadline(30, "multi-thread task", || {
        let rt = native_multi_thread();
        let out = rt.block_on(async {
            tokio::spawn(async { async_bridge::try_block_on(async { 4 }) })
                .await
                .unwrap()
        });
        assert_eq!(out, Ok(4));
    });
}

#[test]
fn multi_thread_block_on_body_blocks_in_place() {
    deadline(30, "multi-thread body", || {
        let rt = native_multi_thread();
        assert_eq!(
            rt.block_on(async { async_bridge::try_block_on(async { 5 }) }),
            Ok(5)
        );
        #[cfg(feature = "smol")]
        assert_eq!(
            rt.block_on(async { async_bridge::Smol::default().try_block_on(async { 5 }) }),
            Ok(5)
        );
    });
}

#[test]
fn tokio_main_keeps_its_runtime() {
    #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
    async fn app() -> (bool, i32) {
        let rt = Tokio::current();
        // The free functions use the application's runtime too.
        let on_app_runtime = async_bridge::spawn(async {
            tokio::runtime::Handle::current().metrics().num_workers() == 2
        })
        .await
        .unwrap();
        let out = rt.spawn(async { 6 }).await.unwrap();
        drop(rt); // borrowed: dropping it shuts nothing down
        let still = tokio::spawn(async { 1 }).await.unwrap();
        (on_app_runtime, out + still - 1)
    }
    assert_eq!(deadline(30, "tokio main", app), (true, 6));
}

#[test]
fn from_handle_and_try_current_borrow() {
    deadline(30, "from_handle", || {
        assert!(Tokio::try_current().is_none());
        let native = native_multi_thread();
        let rt = Tokio::from_handle(native.handle().clone());
        assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
        let inside = native.block_on(async { Tokio::try_current().is_some() });
        assert!(inside);
        drop(rt);
        assert_eq!(native.block_on(async { 8 }), 8);
    });
}

#[test]
#[should_panic(expected = "Tokio::current() called outside a tokio runtime")]
fn current_panics_outside_a_runtime() {
    let _ = Tokio::current();
}

/// `try_block_on` inside a task of `rt` that has entered `other`'s runtime.
fn try_block_on_in_a_task_that_entered(rt: Tokio, other: &Runtime) -> Result<i32, BlockOnError> {
    let other = other.handle().clone();
    rt.block_on(async {
        rt.spawn(async move {
            let _entered = other.enter();
            async_bridge::try_block_on(async { 1 })
        })
        .await
        .unwrap()
    })
}

/// A task of a current-thread runtime that entered another (multi-thread) runtime is still a
/// task of its current-thread runtime: `block_on` is refused, not tried in place.
#[test]
fn a_current_thread_task_that_entered_another_runtime_still_refuses() {
    deadline(30, "current-thread task, other runtime entered", || {
        let refused =
            try_block_on_in_a_task_that_entered(Tokio::current_thread(), &native_multi_thread());
        let message = refused.unwrap_err().to_string();
        assert!(message.contains("current-thread"), "{message}");
    });
}

/// A task of a multi-thread runtime that entered a current-thread runtime is still a task of
/// its multi-thread runtime: `block_on` blocks in place.
#[test]
fn a_multi_thread_task_that_entered_a_current_thread_runtime_still_blocks_in_place() {
    deadline(
        30,
        "multi-thread task, current-thread runtime entered",
        || {
            let out = try_block_on_in_a_task_that_entered(
                Tokio::multi_thread(2),
                &native_current_thread(),
            );
            assert_eq!(out, Ok(1));
        },
    );
}

/// `block_on` on a thread inside tokio's own `Handle::block_on` of a current-thread
/// runtime, from a thread that does not drive it (the policy lets it block: nothing waits
/// on this thread), works (tokio's own `block_on` would panic there), also for a future that
/// spends more than tokio's budget of 128 operations in one poll (tokio's `block_on` polls
/// under a budget, which must not reach the inner future: it would get `Pending` with an
/// immediate wake-up forever).
#[test]
fn block_on_inside_a_native_handle_block_on() {
    let out = deadline(60, "block_on inside Handle::block_on", || {
        let native = native_current_thread();
        let handle = native.handle().clone();
        let rt = Tokio::new();
        std::thread::spawn(move || {
            handle.block_on(async { rt.block_on(common::past_tokio_budget()) })
        })
        .join()
        .unwrap()
    });
    assert_eq!(out, 1_000);
}

/// A runtime built without its time driver: a sleep panics when made (as tokio's does), a
/// timeout when its future is first found pending, since its timer is made only then.
#[test]
fn timers_on_a_runtime_without_its_time_driver() {
    use async_bridge::Timer;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::time::Duration;

    deadline(30, "no time driver", || {
        let native = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let rt = Tokio::from_handle(native.handle().clone());
        let message = |payload: Box<dyn std::any::Any + Send>| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default()
        };
        let sleep = catch_unwind(AssertUnwindSafe(|| {
            drop(rt.sleep(Duration::from_millis(1)))
        }));
        assert!(message(sleep.unwrap_err()).contains("enable_time"));
        // A ready future needs no timer.
        assert_eq!(
            rt.block_on(rt.timeout(Duration::from_secs(1), async { 3 })),
            Ok(3)
        );
        let pending = rt.timeout(Duration::from_secs(1), std::future::pending::<()>());
        let polled = catch_unwind(AssertUnwindSafe(|| rt.block_on(pending)));
        assert!(message(polled.unwrap_err()).contains("enable_time"));
    });
}

/// With tokio's `test-util` a runtime's clock can be paused: a timeout made outside that
/// runtime (here, before `block_on` enters it) reads the deadline from the runtime's clock,
/// an hour ahead of the system's, not from the caller's thread (whose clock is the system's).
#[test]
fn a_timeout_made_outside_a_paused_runtime_counts_on_its_clock() {
    use async_bridge::Timer;
    use std::time::Duration;

    deadline(30, "paused clock", || {
        let native = Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let rt = Tokio::from_runtime(native);
        rt.block_on(tokio::time::advance(Duration::from_secs(3600)));
        let within = rt.timeout(Duration::from_secs(5), async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            1
        });
        assert_eq!(rt.block_on(within), Ok(1));
        let beyond = rt.timeout(Duration::from_secs(1), rt.sleep(Duration::from_secs(5)));
        let start = rt.block_on(async { tokio::time::Instant::now() });
        assert!(rt.block_on(beyond).is_err());
        // Auto-advanced to the timeout's deadline, a second on, not to the sleep's five.
        let waited = rt.block_on(async { tokio::time::Instant::now() }) - start;
        assert!(waited < Duration::from_secs(2), "{waited:?}");
        // Made inside the runtime and first polled ten (paused) seconds later: its five
        // seconds are up at that poll.
        let waited = rt.block_on(async {
            let start = tokio::time::Instant::now();
            let late = rt.timeout(Duration::from_secs(5), rt.sleep(Duration::from_secs(60)));
            tokio::time::sleep(Duration::from_secs(10)).await;
            assert!(late.await.is_err());
            start.elapsed()
        });
        assert!(waited < Duration::from_secs(11), "{waited:?}");
    });
}
