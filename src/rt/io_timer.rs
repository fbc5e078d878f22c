//! smol's and async-std's timer: async-io's `Timer`, made at once for a sleep and on first
//! poll for a timeout.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_io::Timer;

/// An async-io timer, or the deadline of one not made yet.
///
/// A timeout's timer is made when the timeout is first polled and its future is pending,
/// so that a future that is ready at once costs no timer (async-io's `Timer` has a
/// destructor to run even when it never registered). The deadline is taken when the
/// timeout is made, as async-io's `Timer::after` takes it.
#[derive(Debug)]
pub(crate) enum IoTimer {
    /// The timer.
    Made(Timer),
    /// Its deadline (`None`: beyond what `Instant` holds, so never).
    At(Option<Instant>),
}

impl IoTimer {
    /// A timer that fires `duration` from now.
    #[inline(always)]
    pub(crate) fn after(duration: Duration) -> Self {
        IoTimer::Made(Timer::after(duration))
    }

    /// The deadline `duration` from now, its timer made when first polled.
    #[inline]
    pub(crate) fn deadline(duration: Duration) -> Self {
        IoTimer::At(Instant::now().checked_add(duration))
    }

    /// Makes the timer of a deadline, then polls it. Out of line: a timeout's first
    /// pending poll, once.
    #[cold]
    #[inline(never)]
    fn make_and_poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let IoTimer::At(deadline) = *self {
            *self = IoTimer::Made(deadline.map_or_else(Timer::never, Timer::at));
        }
        Pin::new(self).poll(cx)
    }
}

impl Future for IoTimer {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match this {
            IoTimer::Made(timer) => Pin::new(timer).poll(cx).map(drop),
            IoTimer::At(_) => this.make_and_poll(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_runs_from_when_it_was_made() {
        let timer = IoTimer::deadline(Duration::from_millis(5));
        std::thread::sleep(Duration::from_millis(10));
        // Already due when first polled: ready at once, with no wait of its own.
        let waker = std::task::Waker::noop();
        let mut timer = std::pin::pin!(timer);
        assert_eq!(
            timer.as_mut().poll(&mut Context::from_waker(waker)),
            Poll::Ready(())
        );
    }

    #[test]
    fn a_deadline_past_instant_never_fires() {
        let mut timer = std::pin::pin!(IoTimer::deadline(Duration::MAX));
        let waker = std::task::Waker::noop();
        assert_eq!(
            timer.as_mut().poll(&mut Context::from_waker(waker)),
            Poll::Pending
        );
        assert!(matches!(*timer, IoTimer::Made(_)));
    }
}
