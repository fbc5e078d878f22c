//! The internal trait every backend implements, and its join handle's trait. The public
//! traits (`BlockOn`, `Spawn`, `SpawnBlocking`, `Timer`) are written once over it, in
//! `runtime_impls.rs`; the `block_on` policy is checked there too, before `block_on_raw`.

use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::context::{Flavor, ThreadContext};
use crate::task::join_error::JoinError;
use crate::task::meta::TaskMeta;

/// A runtime async-bridge can drive: what each backend file provides, and nothing more.
pub(crate) trait Backend: Clone + Send + Sync + 'static {
    /// The backend's join handle, with async-bridge's semantics ([`RawJoin`] where `T` is
    /// `Send`). The handle itself needs no bound on `T`.
    type Handle<T>;
    /// The join handle's state off its hot path, kept beside the task's meta
    /// ([`RawJoin::Cold`] of [`Handle`](Self::Handle)).
    type Cold<T>;
    /// The backend's timer. The backend's own `Timer` methods return it as it is (no
    /// enum of the backends around it); `Sleep` wraps it for the free functions.
    type Sleep: Future<Output = ()> + Send + 'static;

    /// The flavour of this runtime value (tokio's depends on the runtime it holds).
    fn flavor(&self) -> Flavor;

    /// Drives `future` to completion on this thread, with the thread's context set to
    /// `BlockOn` of this flavour. The caller has checked the `block_on` policy.
    fn block_on_raw<F: Future>(&self, future: F) -> F::Output;

    /// Drives `future` to completion on this thread inside this runtime's context, from any
    /// thread: also one inside another runtime's task or `block_on`, where a backend's own
    /// `block_on` would refuse or panic (what [`RuntimeThread::run`](crate::RuntimeThread::run)
    /// needs). The caller has set the thread's async-bridge context. `in_async`: whether the
    /// thread is in an async context, where it may be inside a tokio task's cooperative
    /// budget, which the future must then be polled outside of (`in_tokio::unbudgeted`).
    fn run_raw<F: Future>(&self, future: F, in_async: bool) -> F::Output;

    /// A new runtime of this backend on threads of its own, named `name` where the runtime
    /// has threads of its own to name (for [`RuntimeThread`](crate::RuntimeThread)).
    fn on_own_threads(name: &'static str) -> Self;

    /// Whether this thread is polling a task of this very runtime with no other thread to
    /// hand its tasks to: a `RuntimeThread::run` here could only deadlock.
    #[inline]
    fn polls_own_tasks_here(&self) -> bool {
        false
    }

    /// Whether a thread must drive this runtime for its tasks, I/O and timers to progress
    /// (an owned tokio current-thread runtime).
    #[inline]
    fn needs_driver(&self) -> bool {
        false
    }

    /// Drops this value; when it owns its runtime and is its last owner, shuts the runtime
    /// down, cancelling its tasks and waiting at most `timeout` for its threads. Whether the
    /// runtime has shut down, its threads included (`false` for one it does not own).
    #[inline]
    fn shut_down(self, timeout: Duration) -> bool {
        let _ = timeout;
        drop(self);
        false
    }

    /// Spawns `future` inside the task wrapper (`task::wrapper::Task`).
    fn spawn_raw<F>(&self, future: F, meta: &TaskMeta) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Runs `f` on the backend's blocking pool, inside `task::wrapper::blocking` (or
    /// `blocking_in_context` where the runtime catches panics).
    fn spawn_blocking_raw<F, R>(&self, f: F) -> Self::Handle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static;

    /// A timer that fires `duration` from now; it can be polled by any executor.
    fn sleep_raw(&self, duration: Duration) -> Self::Sleep;

    /// The same timer for a timeout: the deadline is `duration` from now, but the timer is
    /// made only when first polled, so that a timeout whose future is ready at once costs
    /// none (`Timeout` polls its future first).
    fn deadline_raw(&self, duration: Duration) -> Self::Sleep;

    /// The runtime value that a thread in a context of `flavor` (one of this backend's)
    /// belongs to, if it can still be had.
    fn of_context(flavor: Flavor) -> Option<Self>;

    /// The default runtime of this backend, for the free functions: alive for the process.
    fn global() -> &'static Self;

    /// The runtime of the variant `flavor` of the test matrix, with `workers` threads where
    /// the flavour has a setting for it (else its default).
    fn test_runtime(flavor: Flavor, workers: Option<usize>) -> Self;

    /// A runtime of this backend that the application built itself and that this thread is
    /// in (a `#[tokio::main]` body): only a runtime that can be asked says so.
    #[inline]
    fn ambient() -> Option<Self> {
        None
    }

    /// Whether this thread is inside a runtime of this backend that async-bridge did not
    /// set up (cheaper than [`ambient`](Backend::ambient) when only that is needed).
    #[inline]
    fn in_foreign_runtime() -> bool {
        false
    }

    /// The context of a runtime of this backend that async-bridge did not set up on this
    /// thread, for the `block_on` policy.
    #[inline]
    fn foreign_context() -> ThreadContext {
        ThreadContext::None
    }

    /// Whether this thread defers the wake-ups that tokio's scheduler would run later (it is
    /// a tokio current-thread scheduler's: `tokio::task::yield_now` and other deferred
    /// wake-ups go to that scheduler, which a sync call on this thread keeps from running).
    #[inline]
    fn defers_wakeups() -> bool {
        false
    }

    /// Runs `f` where a thread of this backend (of a flavour that
    /// [`blocks_in_place`](Flavor::blocks_in_place)) may block: its other tasks move
    /// elsewhere first.
    #[inline]
    fn block_in_place<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
}

/// A backend's join handle, with async-bridge's semantics (drop detaches, `abort` cancels
/// and keeps an output that came first, a panic becomes a `JoinError`).
///
/// The handle is the hot part: what awaiting polls. What it needs only after `abort` or
/// `is_finished` ([`Cold`](Self::Cold)) is kept elsewhere, in `JoinHandle`'s second word
/// (`MetaWord`), so that the handle stays one word where the runtime's own is.
/// `JoinHandle` calls `abort` and `is_finished` under its lock, and wakes the waker they
/// leave after releasing it.
pub(crate) trait RawJoin<T>: Sized {
    /// The handle's state off the hot path (the backend's `Backend::Cold<T>`).
    type Cold;

    /// Whether the handle goes once a poll returned `Ready` (the native handle then
    /// answers nothing right). `false` for a handle that still answers `abort` and
    /// `is_finished` rightly afterwards and panics, if polled again, with a message of its
    /// own: keeping it saves the move.
    const GOES_ON_READY: bool = true;

    /// Polls the task; `meta` names it in its `JoinError`; `cold` is the handle's cold
    /// state, if it has one. After `Ready` the caller drops the handle where it
    /// [goes](Self::GOES_ON_READY), which lets a finished task go.
    fn poll_join(
        &mut self,
        cx: &mut Context<'_>,
        meta: &TaskMeta,
        cold: Option<&Self::Cold>,
    ) -> Poll<Result<T, JoinError>>;

    /// Cancels the task.
    fn abort(self) -> Left<Self, Self::Cold>;

    /// Whether the task has finished.
    fn check_finished(self) -> (Left<Self, Self::Cold>, bool);

    /// Polls a handle whose native handle is gone, from its cold state. After `Ready` the
    /// caller drops the cold state.
    fn poll_cold(
        cold: &mut Self::Cold,
        cx: &mut Context<'_>,
        meta: &TaskMeta,
    ) -> Poll<Result<T, JoinError>>;

    /// `abort` of a handle whose native handle is gone; the waker to wake.
    #[must_use = "the returned waker must be woken"]
    fn abort_cold(cold: &mut Self::Cold) -> Option<Waker>;

    /// `is_finished` of a handle whose native handle is gone, and a waker to wake.
    #[must_use = "the returned waker must be woken"]
    fn is_finished_cold(cold: &mut Self::Cold) -> (bool, Option<Waker>);
}

/// What `abort` or `is_finished` leaves of a handle: the native handle, if it is still
/// needed; cold state to keep (replacing any there was); the awaiter's waker, to wake once
/// `JoinHandle`'s lock is released.
#[must_use = "the handle, the cold state and the waker must be kept or woken"]
pub(crate) struct Left<H, C> {
    pub(crate) handle: Option<H>,
    pub(crate) cold: Option<C>,
    pub(crate) waker: Option<Waker>,
}

impl<H, C> Left<H, C> {
    /// The handle, unchanged.
    #[inline]
    pub(crate) fn handle(handle: H) -> Self {
        Left {
            handle: Some(handle),
            cold: None,
            waker: None,
        }
    }
}
