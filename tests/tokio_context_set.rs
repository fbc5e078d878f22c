//! Feature `tokio-context`: the runtime the application sets
//! (`async_bridge::tokio_context::set_runtime`), and what happens when it is shut down
//! (polls fall back to the default choice, never a hang nor tokio's "being shutdown"). The
//! runtime set is process state, so this binary's tests take turns (`TURN`). On the tokio
//! backend, futures run in that backend's own runtime, so only smol and async-std apply.
#![cfg(all(
    feature = "tokio-context",
    any(feature = "smol", feature = "async-std")
))]

#[macro_use]
mod common;

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_bridge::Runtime;
use async_bridge::tokio_context;

use crate::common::{variant_of, wait_until};

static TURN: Mutex<()> = Mutex::new(());

fn app_runtime(name: &'static str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(name)
        .enable_all()
        .build()
        .unwrap()
}

fn thread_name() -> Option<String> {
    std::thread::current().name().map(str::to_owned)
}

/// The name of a thread of the runtime a future polled by `rt` runs in (in `block_on`, in a
/// task and in a blocking closure: all three must agree).
fn context_runtime_thread<R: Runtime>(rt: &R) -> Option<String> {
    let in_block_on = rt.block_on(async { tokio::spawn(async { thread_name() }).await.unwrap() });
    let in_task = rt.block_on(rt.spawn(async { tokio::spawn(async { thread_name() }).await }));
    let in_blocking = rt.block_on(rt.spawn_blocking(|| {
        futures_lite::future::block_on(
            tokio::runtime::Handle::current().spawn(async { thread_name() }),
        )
    }));
    assert_eq!(in_task.unwrap().unwrap(), in_block_on);
    assert_eq!(in_blocking.unwrap().unwrap(), in_block_on);
    in_block_on
}

/// The runtime that `tokio_context::runtime()` names, by a thread of it.
fn named_runtime_thread() -> Option<String> {
    let handle = tokio_context::runtime();
    futures_lite::future::block_on(handle.spawn(async { thread_name() })).unwrap()
}

fn set_then_shut_down<R: Runtime>(rt: R) {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    if variant_of(&rt).backend() == "tokio" {
        return;
    }
    let default = context_runtime_thread(&rt);
    assert_ne!(default.as_deref(), Some("app-tokio"));

    let app = app_runtime("app-tokio");
    tokio_context::set_runtime(app.handle().clone());
    assert_eq!(context_runtime_thread(&rt).as_deref(), Some("app-tokio"));
    assert_eq!(named_runtime_thread().as_deref(), Some("app-tokio"));

    // Shut down: polls fall back to the default choice, and tokio's timers work there.
    drop(app);
    wait_until(
        "polls fall back from the runtime that was shut down",
        || named_runtime_thread() != Some("app-tokio".to_owned()),
    );
    assert_eq!(context_runtime_thread(&rt), default);
    rt.block_on(async { tokio::time::sleep(Duration::from_millis(1)).await });

    // A second runtime replaces the first; clearing goes back to the default.
    let first = app_runtime("app-tokio-1");
    let second = app_runtime("app-tokio-2");
    tokio_context::set_runtime(first.handle().clone());
    tokio_context::set_runtime(second.handle().clone());
    assert_eq!(context_runtime_thread(&rt).as_deref(), Some("app-tokio-2"));
    tokio_context::clear_runtime();
    assert_eq!(context_runtime_thread(&rt), default);
}

fn a_runtime_shut_down_before_it_is_set_is_not_used<R: Runtime>(rt: R) {
    let _turn = TURN.lock().unwrap_or_else(PoisonError::into_inner);
    if variant_of(&rt).backend() == "tokio" {
        return;
    }
    let gone = app_runtime("app-gone");
    let handle = gone.handle().clone();
    drop(gone);
    tokio_context::set_runtime(handle);
    wait_until("the shut-down runtime is noticed", || {
        named_runtime_thread() != Some("app-gone".to_owned())
    });
    // No "A Tokio 1.x context was found, but it is being shutdown".
    rt.block_on(async { tokio::time::sleep(Duration::from_millis(1)).await });
    let listener =
        rt.block_on(rt.spawn(async { tokio::net::TcpListener::bind("127.0.0.1:0").await }));
    assert!(listener.unwrap().is_ok());
    tokio_context::clear_runtime();
}

per_backend!(
    set_then_shut_down,
    a_runtime_shut_down_before_it_is_set_is_not_used
);
