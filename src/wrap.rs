//! The wrappers every backend spawns, so that a task's panic, its destructor's panic and
//! the thread's context are handled the same way everywhere.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use pin_project_lite::pin_project;

use crate::task::TaskMeta;

use crate::context::{self, Context, Flavor};
use crate::hook::{self, Probe};

/// A panic payload, as `std::panic::catch_unwind` returns it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// A task's result as every backend stores it: the output, or the payload of its panic.
///
/// Dropping it never unwinds: when a runtime drops the result of a detached task itself, a
/// panicking destructor of the output is caught here (smol and async-std would abort the
/// process).
///
/// The payload is boxed once more, so that an outcome is one word larger than the output
/// (the runtimes store it in every task, and move it on every completion); only a panic
/// pays the allocation.
pub(crate) struct Outcome<T>(Option<Result<T, Box<Payload>>>);

impl<T> Outcome<T> {
    #[inline]
    fn new(result: Result<T, Payload>) -> Self {
        Outcome(Some(result.map_err(Box::new)))
    }

    #[inline]
    pub(crate) fn into_result(mut self) -> Result<T, Payload> {
        let result = self.0.take();
        // Empty now: nothing for `Drop` to do, so skip it.
        std::mem::forget(self);
        match result {
            Some(result) => result.map_err(|payload| *payload),
            None => unreachable!("async-bridge: a task outcome is taken once"),
        }
    }
}

impl<T> Drop for Outcome<T> {
    #[inline]
    fn drop(&mut self) {
        match self.0.take() {
            // Taken by the awaiter, or nothing that can panic: no `catch_unwind`.
            None => {}
            Some(Ok(_)) if !std::mem::needs_drop::<T>() => {}
            Some(value) => discard(value),
        }
    }
}

/// Drops `value`, catching a panic of its destructor.
pub(crate) fn discard<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        // The payload's own destructor may panic too: leak it rather than unwind.
        std::mem::forget(payload);
    }
}

pin_project! {
    /// The future every backend spawns in place of the user's: it marks the thread as
    /// polling an async-bridge task of `flavor`, turns a panic into an [`Outcome`], drops
    /// the user's future (on completion or cancellation) without letting its destructor
    /// unwind into the runtime, and shows each poll to the watchdog (feature `watchdog`).
    pub(crate) struct Task<F> {
        #[pin]
        future: Option<F>,
        flavor: Flavor,
        probe: Probe,
    }

    impl<F> PinnedDrop for Task<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // A cancelled task's destructors run on the runtime's thread: timed too.
            if this.future.is_some() {
                hook::poll(this.probe, || drop_in_place_caught(this.future));
            }
        }
    }
}

impl<F> Task<F> {
    #[inline]
    pub(crate) fn new(future: F, flavor: Flavor, meta: &TaskMeta) -> Self {
        Task {
            future: Some(future),
            flavor,
            probe: Probe::task(meta),
        }
    }
}

#[inline]
fn drop_in_place_caught<F>(mut slot: Pin<&mut Option<F>>) {
    if !std::mem::needs_drop::<F>() {
        // Nothing can panic (a finished `async` block usually holds nothing to drop).
        slot.set(None);
    } else if slot.is_some() {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| slot.set(None))) {
            discard(payload);
        }
    }
}

impl<F: Future> Future for Task<F> {
    type Output = Outcome<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _context = context::enter(Context::Task(*this.flavor));
        let mut slot = this.future;
        // The watchdog times the poll and, on completion, the drop of the future.
        hook::poll(this.probe, || {
            let Some(future) = slot.as_mut().as_pin_mut() else {
                panic!(
                    "async-bridge: a task was polled after it completed; this is a bug in \
                     async-bridge"
                )
            };
            let result = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(output)) => Ok(output),
                Err(payload) => Err(payload),
            };
            drop_in_place_caught(slot);
            Poll::Ready(Outcome::new(result))
        })
    }
}

/// The closure every backend runs in place of a `spawn_blocking` closure: it marks the
/// thread as running a blocking closure of `flavor` and turns a panic into an [`Outcome`].
#[inline]
pub(crate) fn blocking<F, R>(f: F, flavor: Flavor) -> impl FnOnce() -> Outcome<R> + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    move || {
        let _context = context::enter(Context::Blocking(flavor));
        Outcome::new(catch_unwind(AssertUnwindSafe(f)))
    }
}
