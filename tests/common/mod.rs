//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Runs `f` on its own thread and fails the test if it takes longer than `secs`: a
/// deadlock is a failure with a message, not a stuck CI. A panic of `f` is re-raised here.
#[track_caller]
pub fn deadline<R: Send + 'static>(
    secs: u64,
    what: &str,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(out);
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(out)) => {
            let _ = worker.join();
            out
        }
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(_) => panic!("`{what}` did not finish within {secs}s: deadlock or lost wake-up"),
    }
}

/// Sets its flag when dropped: proves a future was dropped.
pub struct DropFlag(pub Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Panics when dropped: a destructor that unwinds.
pub struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !thread::panicking() {
            panic!("destructor panicked on purpose");
        }
    }
}

/// Counts drops.
pub struct CountDrop(pub Arc<AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits (polling, with a generous limit) until `cond` holds.
#[track_caller]
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..2_000 {
        if cond() {
            return;
        }
        thread::sleep(Duration::from_millis(5));
    }
    panic!("timed out waiting until {what}");
}

/// One test function per enabled backend and tokio flavour, in a module named after the
/// body: `name::tokio_multi_thread`, `name::tokio_current_thread`, `name::smol`,
/// `name::async_std`. The body is a generic `fn name<R: Runtime>(rt: R)`, run under a
/// deadline. For bodies that are about sync code (plain threads, drops outside any
/// runtime), which `#[async_bridge::test]` (an async body) cannot express.
#[macro_export]
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[cfg(feature = "tokio")]
            #[test]
            fn tokio_multi_thread() {
                $crate::common::deadline(60, stringify!($name), || super::$name(async_bridge::Tokio::multi_thread(2)));
            }
            #[cfg(feature = "tokio")]
            #[test]
            fn tokio_current_thread() {
                $crate::common::deadline(60, stringify!($name), || super::$name(async_bridge::Tokio::current_thread()));
            }
            #[cfg(feature = "smol")]
            #[test]
            fn smol() {
                $crate::common::deadline(60, stringify!($name), || super::$name(async_bridge::Smol::default()));
            }
            #[cfg(feature = "async-std")]
            #[test]
            fn async_std() {
                $crate::common::deadline(60, stringify!($name), || super::$name(async_bridge::AsyncStd::new()));
            }
        }
    )*};
}
