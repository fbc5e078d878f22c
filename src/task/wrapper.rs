//! The task wrapper every backend spawns in place of the user's future (and the closure it
//! runs in place of a `spawn_blocking` closure), so that a task's panic, its destructor's
//! panic, the thread's context and the watchdog's view of each poll are the same
//! everywhere.

use std::future::Future;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::context::{self, Flavor, ThreadContext};
use crate::panic::{Outcome, Payload, discard};
use crate::task::TaskMeta;
use crate::watchdog_hook::{self as hook, Probe};

/// The rules a backend's tasks follow, fixed by the backend at compile time
/// (`rt::tokio::TokioTask`, `rt::async_task::AsyncTask`): the context their polls run in,
/// who catches a panic, and what the task stores as its output.
pub(crate) trait TaskRules: 'static {
    /// The context of a poll.
    const CONTEXT: ThreadContext;
    /// Whether the runtime turns a panic of the poll into its own error (and catches the
    /// panics of the destructors it runs), so that the wrapper may let it unwind.
    const RUNTIME_CATCHES: bool;
    /// What the task stores as its output.
    type Output<T>;
    /// The output of a poll that completed (`Err`: the payload of its panic, caught here),
    /// once the user's future is dropped and the watchdog has seen the poll end.
    fn output<T>(result: Result<T, Payload>) -> Self::Output<T>;
}

pin_project! {
    /// The future every backend spawns in place of the user's: it marks the thread as
    /// polling an async-bridge task under its rules `K`, catches a panic of the poll (stored, or
    /// left to a runtime that catches it: see [`TaskRules`]), drops the user's future (on completion or
    /// cancellation) without letting its destructor unwind into the runtime, and shows
    /// each poll to the watchdog (feature `watchdog`), also one that panics. It adds
    /// nothing to the future's size but the `Option` (often nothing: the future's own state
    /// has a spare value) and the watchdog's probe.
    pub(crate) struct Task<F, K> {
        #[pin]
        future: Option<F>,
        probe: Probe,
        kind: PhantomData<fn() -> K>,
    }

    impl<F, K> PinnedDrop for Task<F, K> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // A cancelled task's destructors run on the runtime's thread: timed too.
            if this.future.is_some() {
                hook::poll(this.probe, || drop_future_caught(this.future));
            }
        }
    }
}

impl<F, K> Task<F, K> {
    #[inline]
    pub(crate) fn new(future: F, meta: &TaskMeta) -> Self {
        Task {
            future: Some(future),
            probe: Probe::task(meta),
            kind: PhantomData,
        }
    }
}

/// Drops the future known to be in `slot`, catching a panic of its destructor.
#[inline]
fn drop_future_caught<F>(mut slot: Pin<&mut Option<F>>) {
    if !std::mem::needs_drop::<F>() {
        // Nothing can panic (a finished `async` block usually holds nothing to drop).
        slot.set(None);
    } else if let Err(payload) = catch_unwind(AssertUnwindSafe(|| slot.set(None))) {
        discard(payload);
    }
}

impl<F: Future, K: TaskRules> Future for Task<F, K> {
    type Output = K::Output<F::Output>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _context = context::enter(K::CONTEXT);
        let mut slot = this.future;
        // The watchdog times the poll and, on completion, the drop of the future.
        hook::poll(this.probe, || {
            // Only the completing poll takes the future out, and no runtime polls a task
            // again after it completed (async-task marks it completed and never schedules
            // it again; tokio drops this wrapper on `Ready`). No explicit panic in release
            // builds: without one, the poll is small enough for async-task to inline it
            // into its `run`, as it does natively, which saves about 25 instructions per
            // poll on smol (BENCHMARKS.md, change 11).
            let Some(future) = slot.as_mut().as_pin_mut() else {
                debug_assert!(
                    false,
                    "async-bridge bug: a task was polled after it completed"
                );
                return Poll::Pending;
            };
            // A panic may unwind only to a runtime that catches it, and not through a hook
            // that reports a slow poll when it returns.
            let polled = if K::RUNTIME_CATCHES && !hook::REPORTS_ON_RETURN {
                Ok(future.poll(cx))
            } else {
                catch_unwind(AssertUnwindSafe(|| future.poll(cx)))
            };
            let result = match polled {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(output)) => Ok(output),
                Err(payload) => Err(payload),
            };
            // Its destructor's panic is caught: the output is kept.
            drop_future_caught(slot);
            Poll::Ready(result)
        })
        // After the hook: the rules may resume the panic (tokio's, for tokio to catch), and the
        // watchdog must have seen the poll end first. The panic's arm is out of line.
        .map(|result| match result {
            Ok(output) => K::output(Ok(output)),
            Err(payload) => panicked::<K, _>(payload),
        })
    }
}

/// The output of a poll that panicked (the payload's boxing, for smol and async-std), out
/// of line so that it does not weigh on every poll.
#[cold]
#[inline(never)]
fn panicked<K: TaskRules, T>(payload: Payload) -> K::Output<T> {
    K::output(Err(payload))
}

/// The closure every backend runs in place of a `spawn_blocking` closure: it marks the
/// thread as running a blocking closure of `flavor` and turns a panic into an [`Outcome`].
#[allow(dead_code)] // unused when only backends that catch panics themselves are enabled
#[inline]
pub(crate) fn blocking<F, R>(f: F, flavor: Flavor) -> impl FnOnce() -> Outcome<R> + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let f = blocking_in_context(f, flavor);
    move || Outcome::new(catch_unwind(AssertUnwindSafe(f)))
}

/// The closure tokio runs in place of a `spawn_blocking` closure: it marks the thread as
/// running a blocking closure of `flavor`; tokio turns a panic into its `JoinError` itself.
#[inline]
pub(crate) fn blocking_in_context<F, R>(f: F, flavor: Flavor) -> impl FnOnce() -> R + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    move || {
        let _context = context::enter(ThreadContext::Blocking(flavor));
        f()
    }
}
