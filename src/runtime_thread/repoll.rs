//! A future polled again every millisecond while it is pending, for a `run` on a thread that
//! defers wake-ups to a scheduler the call keeps from running (a tokio current-thread
//! scheduler's thread: `tokio::task::yield_now`, and every other wake-up tokio defers, goes
//! to that scheduler, which never runs while this thread is blocked in `run`). tokio has no
//! public way to leave its scheduler's context; the timer is what wakes the future instead.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use crate::ambient::AmbientRuntime;
use crate::rt::{Backend, RawSleep};

/// How long a pending future waits for a wake-up before it is polled again.
const TICK: Duration = Duration::from_millis(1);

pin_project! {
    /// `future`, polled again at least every [`TICK`] while it is pending.
    pub(crate) struct Repoll<'a, F> {
        #[pin]
        future: F,
        rt: &'a AmbientRuntime,
        tick: Option<Pin<Box<RawSleep>>>,
    }
}

impl<'a, F> Repoll<'a, F> {
    pub(crate) fn new(future: F, rt: &'a AmbientRuntime) -> Self {
        Repoll {
            future,
            rt,
            tick: None,
        }
    }
}

impl<F: Future> Future for Repoll<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        loop {
            if let Poll::Ready(output) = this.future.as_mut().poll(cx) {
                return Poll::Ready(output);
            }
            let tick = this
                .tick
                .get_or_insert_with(|| Box::pin(this.rt.sleep_raw(TICK)));
            match tick.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                // The tick passed: a new one, after another poll of the future.
                Poll::Ready(()) => *this.tick = None,
            }
        }
    }
}
