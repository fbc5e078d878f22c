//! Asking tokio about the calling thread, with tokio in the build (its backend, or only the
//! feature `tokio-context`): whether it is inside a tokio runtime, and whether it runs a
//! tokio scheduler.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Wake, Waker};

/// Whether this thread is running a tokio scheduler (rather than only having entered a
/// runtime). tokio has no public API for it; `tokio::task::yield_now` defers its wake-up to
/// the scheduler on a thread that runs one, and wakes at once on any other.
pub(crate) fn drives_scheduler() -> bool {
    struct Flag(AtomicBool);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut yielded = pin!(tokio::task::yield_now());
    let _ = yielded.as_mut().poll(&mut Context::from_waker(&waker));
    !flag.0.load(Ordering::SeqCst)
}

/// Whether this thread is inside a tokio runtime (a task, a `block_on`, an `enter`).
#[inline]
pub(crate) fn in_runtime() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

/// Whether this thread defers wake-ups to a tokio scheduler that holds its core (a
/// current-thread runtime's thread; a multi-thread worker outside `block_in_place`).
pub(crate) fn defers_wakeups() -> bool {
    in_runtime() && drives_scheduler()
}
