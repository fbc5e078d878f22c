//! tokio's timer: made at once, inside its runtime, for a sleep; on first poll for a
//! timeout.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::runtime::Handle;
use tokio::time::{Instant, Sleep};

use crate::context::{self, Flavor, ThreadContext};

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

    /// The deadline `duration` from now on the clock of `handle`'s runtime (of `flavor`),
    /// its timer made in that runtime when first polled (which panics if the runtime has no
    /// time driver).
    #[inline(always)]
    pub(crate) fn deadline(handle: &Handle, flavor: Flavor, duration: Duration) -> Self {
        // tokio pauses (`test-util`) only a current-thread runtime's clock: a multi-thread
        // one's is the system's.
        let now = if flavor == Flavor::TokioMultiThread {
            Instant::from_std(std::time::Instant::now())
        } else {
            current_thread_now(handle, flavor)
        };
        TokioSleep::At {
            handle: handle.clone(),
            deadline: now.checked_add(duration),
        }
    }

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

/// The time on the clock of `handle`'s current-thread runtime, which tokio's `test-util`
/// may have paused. tokio reads the clock of the thread's context: read directly where that
/// context is a runtime of this flavour (an async-bridge task, `block_on` or blocking
/// closure on one: taken to be this one), else with the runtime entered.
#[inline]
fn current_thread_now(handle: &Handle, flavor: Flavor) -> Instant {
    match context::innermost() {
        ThreadContext::Task(f) | ThreadContext::BlockOn(f) | ThreadContext::Blocking(f)
            if f == flavor =>
        {
            Instant::now()
        }
        _ => now_entered(handle),
    }
}

/// The current time on the clock of `handle`'s runtime, read from outside it, with the
/// runtime entered. While the thread's thread-locals are being destroyed (a timeout made in
/// a thread-local destructor), tokio's context is gone and entering would panic: the
/// system's clock is the one left.
#[inline(never)]
fn now_entered(handle: &Handle) -> Instant {
    match Handle::try_current() {
        Err(err) if err.is_thread_local_destroyed() => Instant::from_std(std::time::Instant::now()),
        _ => {
            let _enter = handle.enter();
            Instant::now()
        }
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
