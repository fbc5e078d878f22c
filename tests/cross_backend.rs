//! `block_on` across backends: the table holds whichever backend's `block_on` is called
//! from whichever backend's context; and tasks of one backend await tasks of another.
#![cfg(all(feature = "tokio", feature = "smol", feature = "async-std"))]

mod common;

use async_bridge::{AsyncStd, BlockOn, Smol, Spawn, SpawnBlocking, Tokio};
use common::deadline;

#[test]
fn smol_block_on_in_a_tokio_current_thread_runtime_refuses() {
    deadline(30, "smol in tokio current-thread", || {
        let tokio = Tokio::current_thread();
        let err = tokio
            .block_on(async { Smol::default().try_block_on(async { 1 }) })
            .unwrap_err();
        assert!(err.to_string().contains("`block_on` (smol)"), "{err}");
        let native = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert!(
            native
                .block_on(async { AsyncStd::new().try_block_on(async { 1 }) })
                .is_err()
        );
    });
}

#[test]
fn smol_block_on_on_a_tokio_multi_thread_worker_blocks_in_place() {
    deadline(30, "smol in tokio multi-thread", || {
        let tokio = Tokio::multi_thread(2);
        let out = tokio.block_on(tokio.spawn(async {
            let smol = Smol::default();
            smol.block_on(smol.spawn(async { 2 })).unwrap()
        }));
        assert_eq!(out.unwrap(), 2);
    });
}

#[test]
fn tokio_block_on_in_a_smol_task_refuses() {
    deadline(30, "tokio in smol task", || {
        let smol = Smol::default();
        let res = smol
            .block_on(smol.spawn(async { Tokio::new().try_block_on(async { 3 }) }))
            .unwrap();
        let err = res.unwrap_err();
        assert!(err.to_string().contains("running on smol"), "{err}");
        let res = smol.block_on(async { AsyncStd::new().try_block_on(async { 3 }) });
        assert!(res.unwrap_err().to_string().contains("driven by smol"));
    });
}

#[test]
fn any_block_on_in_any_blocking_closure_runs() {
    deadline(30, "blocking closures", || {
        let smol = Smol::default();
        let tokio = Tokio::current_thread();
        let out =
            smol.block_on(smol.spawn_blocking(|| Tokio::current_thread().block_on(async { 4 })));
        assert_eq!(out.unwrap(), 4);
        let out = tokio.block_on(tokio.spawn_blocking(|| AsyncStd::new().block_on(async { 5 })));
        assert_eq!(out.unwrap(), 5);
    });
}

#[test]
fn tasks_await_tasks_of_other_backends() {
    deadline(30, "cross awaits", || {
        let smol = Smol::default();
        let tokio = Tokio::new();
        let tokio_task = tokio.spawn(async { 6 });
        let out = smol.block_on(smol.spawn(async move { tokio_task.await.unwrap() + 1 }));
        assert_eq!(out.unwrap(), 7);
        let smol_task = smol.spawn(async { 8 });
        let out = tokio.block_on(tokio.spawn(async move { smol_task.await.unwrap() + 1 }));
        assert_eq!(out.unwrap(), 9);
    });
}

#[test]
fn free_functions_prefer_tokio_then_smol_then_async_std() {
    deadline(30, "default order", || {
        let debug = format!("{:?}", async_bridge::spawn(async {}));
        assert!(debug.contains("tokio"), "{debug}");
    });
}
