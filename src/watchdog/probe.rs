//! The hook in every poll: times it, and shows it to the monitor thread while it runs.

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use pin_project_lite::pin_project;

use super::installed;
use super::monitor::{self, Active, Slot};
use super::subject::Probe;

/// Runs one poll, `f`, timed when a watchdog is installed.
#[inline]
pub(crate) fn poll<R>(probe: &Probe, f: impl FnOnce() -> R) -> R {
    if installed::epoch() == 0 {
        return f();
    }
    timed(probe, f)
}

// Out of line: the not-installed path stays one load and a branch in every poll.
#[inline(never)]
fn timed<R>(probe: &Probe, f: impl FnOnce() -> R) -> R {
    if installed::in_callback() {
        return f(); // a report callback's own code is not watched
    }
    let mut f = Some(f);
    let mut out = None;
    // `try_with` fails only while this thread's locals are being destroyed: run untimed.
    let _ = monitor::SLOT.try_with(|slot| {
        let prev = slot.swap(Some(Active::new(Instant::now(), probe)));
        let end = End { slot, prev };
        out = Some((f.take().expect("the poll runs once"))());
        drop(end);
    });
    match out {
        Some(out) => out,
        None => (f.take().expect("the poll runs once"))(),
    }
}

/// Ends a timed poll, also on unwind: restores the poll it interrupted (a `block_on`
/// nested in a task's poll) and reports if it was slow.
struct End<'a> {
    slot: &'a Slot,
    prev: Option<Active>,
}

impl Drop for End<'_> {
    fn drop(&mut self) {
        let Some(mine) = self.slot.swap(self.prev.take()) else {
            return;
        };
        let elapsed = mine.elapsed(Instant::now());
        if u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX) < installed::threshold_nanos()
            || std::thread::panicking()
        {
            return;
        }
        installed::emit_after_return(mine.probe, elapsed, self.slot.thread());
    }
}

/// Runs `f`, a `block_on` on a tokio multi-thread worker inside `block_in_place`, without
/// counting it against the poll it is nested in: the worker's other tasks moved to
/// another thread, so nothing is starved. The time before and after it counts.
pub(crate) fn handed_off<R>(f: impl FnOnce() -> R) -> R {
    if installed::epoch() == 0 {
        return f();
    }
    let Ok(paused) = monitor::SLOT.try_with(|slot| {
        let mut active = slot.swap(None);
        if let Some(active) = &mut active {
            active.pause(Instant::now());
        }
        active
    }) else {
        return f();
    };
    struct Resume(Option<Active>);
    impl Drop for Resume {
        fn drop(&mut self) {
            if let Some(mut active) = self.0.take() {
                active.resume(Instant::now());
                let _ = monitor::SLOT.try_with(|slot| slot.swap(Some(active)));
            }
        }
    }
    let _resume = Resume(paused);
    f()
}

pin_project! {
    /// A `block_on` future, each of its polls timed by the watchdog.
    pub(crate) struct Watched<F> {
        #[pin]
        future: F,
        probe: Probe,
    }
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let future = this.future;
        poll(this.probe, move || future.poll(cx))
    }
}

/// The future a `block_on` at `location` drives in place of `future`.
#[inline]
pub(crate) fn block_on_future<F: Future>(
    future: F,
    location: &'static Location<'static>,
) -> Watched<F> {
    Watched {
        future,
        probe: Probe::block_on(location),
    }
}
