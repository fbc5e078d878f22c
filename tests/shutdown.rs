//! Dropping a backend value that owns its runtime: pending tasks are cancelled, the drop
//! never panics (also inside async code) and never waits for a stuck blocking closure.
#![cfg(any(feature = "tokio", feature = "smol"))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_bridge::{BlockOn, Spawn};
use common::{DropFlag, deadline, wait_until};

/// Drops `rt` (the last owner) and checks that its pending task was cancelled.
fn drop_cancels_pending<R: async_bridge::Runtime>(rt: R, drop_it: impl FnOnce(R)) {
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = DropFlag(dropped.clone());
    // Made outside the task: a task holding a clone of its owning runtime would keep it
    // alive (documented on `Tokio` and `Smol`).
    let sleep = rt.sleep(Duration::from_secs(3600));
    let pending = rt.spawn(async move {
        let _flag = flag;
        sleep.await;
    });
    // A stuck blocking closure must not hold up the drop.
    let (release, stuck) = std::sync::mpsc::channel::<()>();
    let blocking = rt.spawn_blocking(move || {
        let _ = stuck.recv();
    });
    std::thread::sleep(Duration::from_millis(20));
    drop_it(rt);
    let res = futures_lite::future::block_on(pending);
    assert!(res.unwrap_err().is_cancelled());
    wait_until("the pending future is dropped", || {
        dropped.load(Ordering::SeqCst)
    });
    drop(release);
    drop(blocking);
}

#[cfg(feature = "tokio")]
mod tokio_owned {
    use super::*;
    use async_bridge::Tokio;

    #[test]
    fn dropped_on_a_plain_thread() {
        deadline(30, "plain drop", || {
            drop_cancels_pending(Tokio::multi_thread(2), drop)
        });
        deadline(30, "plain drop", || {
            drop_cancels_pending(Tokio::current_thread(), drop)
        });
    }

    #[test]
    fn dropped_inside_another_runtimes_block_on() {
        deadline(30, "drop in block_on", || {
            drop_cancels_pending(Tokio::multi_thread(1), |rt| {
                Tokio::current_thread().block_on(async move { drop(rt) })
            })
        });
    }

    #[test]
    fn dropped_inside_its_own_task() {
        deadline(30, "drop in own task", || {
            let rt = Tokio::multi_thread(2);
            let inner = rt.clone();
            let (tx, rx) = std::sync::mpsc::channel();
            rt.spawn(async move {
                // Wait until the outer owner is gone, then drop the last one here.
                std::thread::sleep(Duration::from_millis(20));
                drop(inner);
                tx.send(()).unwrap();
            })
            .detach();
            drop(rt);
            rx.recv_timeout(Duration::from_secs(10))
                .expect("the task that dropped its runtime finished its poll");
        });
    }

    #[cfg(feature = "smol")]
    #[test]
    fn dropped_inside_a_smol_task() {
        deadline(30, "drop in smol task", || {
            drop_cancels_pending(Tokio::multi_thread(1), |rt| {
                let smol = async_bridge::Smol::default();
                smol.block_on(smol.spawn(async move { drop(rt) })).unwrap();
            })
        });
    }
}

#[cfg(feature = "smol")]
mod smol_dedicated {
    use super::*;
    use async_bridge::Smol;

    #[test]
    fn dropped_on_a_plain_thread() {
        deadline(30, "smol drop", || {
            drop_cancels_pending(Smol::with_threads(2), drop)
        });
    }

    #[test]
    fn free_functions_stay_on_the_dedicated_executor() {
        deadline(30, "dedicated free fns", || {
            let rt = Smol::with_threads(1);
            let names = rt
                .block_on(rt.spawn(async {
                    let in_task = async_bridge::spawn(async {
                        std::thread::current().name().map(str::to_owned)
                    });
                    let in_blocking = async_bridge::spawn_blocking(|| {
                        async_bridge::spawn(async {
                            std::thread::current().name().map(str::to_owned)
                        })
                    });
                    (
                        in_task.await.unwrap(),
                        in_blocking.await.unwrap().await.unwrap(),
                    )
                }))
                .unwrap();
            assert_eq!(names.0.as_deref(), Some("async-bridge-smol-0"));
            assert_eq!(names.1.as_deref(), Some("async-bridge-smol-0"));
        });
    }
}
