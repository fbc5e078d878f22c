//! Helpers shared by the integration tests.
#![allow(dead_code)]

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
pub mod callers;

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

/// The variant of the test matrix that `rt` is (a backend's runtime, not a
/// `RuntimeHandle`): what a test asks instead of reading a `Debug` string.
pub fn variant_of<R: async_bridge::Runtime>(rt: &R) -> async_bridge::__macro_support::Variant {
    async_bridge::__macro_support::Variant::of(rt)
        .expect("the test matrix hands each test a backend's runtime")
}

/// The test matrix of async-bridge's own tests, from async-bridge's list of backends (the
/// one `#[async_bridge::test]` reads): one `#[test]` per variant whose backend async-bridge
/// has, named after the variant, in the module where it is expanded. Each binds `$new` to
/// the variant's runtime constructor (`fn(Option<usize>) -> Backend`, the same as
/// `#[async_bridge::test]`'s) and its `Variant` to `$variant`, then runs `$body`.
///
/// `async_bridge::__async_bridge_backends!($crate::matrix, [attrs] |new, variant| body)`.
#[macro_export]
macro_rules! matrix {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({
            flavor: $flavor:ident, variant: $test:ident, $($properties:tt)*
        }),* $(,)?] $(,)?
    }),* $(,)?] $attrs:tt |$new:ident, $variant:ident| $body:expr) => {
        $($(
            $crate::matrix!(@one $gate, $test, $attrs, $new, $variant, $body);
        )*)*
    };
    (@one $gate:ident, $test:ident, [$(#[$attr:meta])*], $new:ident, $variant:ident, $body:expr) => {
        async_bridge::$gate! {
            #[test]
            $(#[$attr])*
            fn $test() {
                #[allow(unused_variables)]
                let $new = async_bridge::__macro_support::variants::$test;
                #[allow(unused_variables)]
                let $variant = *async_bridge::__macro_support::Variant::ENABLED
                    .iter()
                    .find(|v| v.name() == stringify!($test))
                    .expect("an enabled variant");
                $body
            }
        }
    };
}

/// One test function per variant of the matrix ([`matrix!`]), in a module named after the
/// body: `name::tokio_multi_thread`, …, `name::async_std`. The body is a generic
/// `fn name<R: Runtime>(rt: R)`, run under a deadline (tokio multi-thread on two workers).
/// For bodies that are about sync code (plain threads, drops outside any runtime), which
/// `#[async_bridge::test]` (an async body) cannot express.
#[macro_export]
macro_rules! per_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            async_bridge::__async_bridge_backends!(
                $crate::matrix,
                [] |new, variant| $crate::common::deadline(60, stringify!($name), move || {
                    super::$name(new(Some(2)))
                })
            );
        }
    )*};
}

/// A hand-written future that takes a shortcut some crates ship: it keeps the waker of its
/// **first** poll only, and is woken through it 20 ms later from another thread. The
/// contract says only the latest waker need be woken, but every native `block_on`
/// completes it, so async-bridge must too, wherever it polls a user's future.
pub struct FirstWakerOnly {
    done: Arc<AtomicBool>,
    started: bool,
}

impl FirstWakerOnly {
    pub fn new() -> Self {
        FirstWakerOnly {
            done: Arc::new(AtomicBool::new(false)),
            started: false,
        }
    }
}

impl std::future::Future for FirstWakerOnly {
    type Output = &'static str;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<&'static str> {
        if self.done.load(Ordering::SeqCst) {
            return std::task::Poll::Ready("woken through the first waker");
        }
        if !self.started {
            self.started = true;
            let (waker, done) = (cx.waker().clone(), self.done.clone());
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                done.store(true, Ordering::SeqCst);
                waker.wake();
            });
        }
        std::task::Poll::Pending
    }
}

/// 1,000 receives from a tokio channel in one poll: more tokio operations than tokio's
/// cooperative budget (128). Polled under a budget that is spent, each returns `Pending`
/// with an immediate wake-up, so a `block_on` that re-polls on wake-ups spins forever.
/// Returns how many it received.
pub async fn past_tokio_budget() -> usize {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..1_000 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let mut n = 0;
    while rx.recv().await.is_some() {
        n += 1;
    }
    n
}
