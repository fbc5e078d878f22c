//! tokio's timer: made at once, inside its runtime, for a sleep; on first poll for a
//! timeout.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::runtime::Handle;
use tokio::time::{Instant, Sleep};

pin_project! {
    /// A tokio timer, or the deadline of one not made yet and the runtime to make it in.
    ///
    /// A timeout's timer is made when the timeout is first polled and its future is
    /// pending, so that a future that is ready at once costs no timer (neither its making
    /// nor its destructor). The deadline is taken when the timeout is made, on the clock of
    /// the runtime it belongs to, as before (see [`TokioSleep::deadline`]).
    #[project = TokioSleepProj]
    pub(crate) enum TokioSleep {
        Made { #[pin] sleep: Sleep },
        At { handle: Handle, deadline: Option<Instant> },
    }
}

impl TokioSleep {
    /// A timer of `handle`'s runtime that fires `duration` from now: tokio timers bind to
    /// the runtime they are made in, so enter it, and the timer can be made on any thread
    /// and polled by any executor.
    ///
    /// # Panics
    ///
    /// If the runtime has no time driver (tokio's message says to call `enable_time`).
    #[inline(always)]
    pub(crate) fn after(handle: &Handle, duration: Duration) -> Self {
        let _enter = handle.enter();
        TokioSleep::Made {
            sleep: tokio::time::sleep(duration),
        }
    }

    /// The deadline `duration` from now, its timer made in `handle`'s runtime when first
    /// polled (which panics if that runtime has no time driver).
    ///
    /// The deadline is read on that runtime's clock, which with tokio's `test-util` may be
    /// paused: `in_runtime` says that the calling thread is inside a runtime of its flavour
    /// (an async-bridge task or `block_on` on it), whose clock tokio reads without entering
    /// anything; elsewhere the runtime is entered to read it.
    #[inline]
    pub(crate) fn deadline(handle: &Handle, duration: Duration, in_runtime: bool) -> Self {
        let now = if in_runtime {
            Instant::now()
        } else {
            now_entered(handle)
        };
        TokioSleep::At {
            handle: handle.clone(),
            deadline: now.checked_add(duration),
        }
    }
}

/// `handle`'s runtime's clock, read from outside it.
#[inline(never)]
fn now_entered(handle: &Handle) -> Instant {
    let _enter = handle.enter();
    Instant::now()
}

impl TokioSleep {
    /// Makes the timer of a deadline, then polls it. Out of line: a timeout's first
    /// pending poll, once.
    #[cold]
    #[inline(never)]
    fn make_and_poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if let TokioSleepProj::At { handle, deadline } = self.as_mut().project() {
            let sleep = {
                let _enter = handle.enter();
                match *deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline),
                    // Past what `Instant` holds: tokio's own far future.
                    None => tokio::time::sleep(Duration::MAX),
                }
            };
            self.set(TokioSleep::Made { sleep });
        }
        self.poll(cx)
    }
}

impl Future for TokioSleep {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.as_mut().project() {
            TokioSleepProj::Made { sleep } => sleep.poll(cx),
            TokioSleepProj::At { .. } => self.make_and_poll(cx),
        }
    }
}
