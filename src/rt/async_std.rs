//! The async-std backend.
//!
//! async-std is discontinued upstream (its README says so, and points to smol). This
//! backend stays supported and tested; new code should prefer [`Smol`](crate::Smol).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::context::{self, Flavor, ThreadContext};
use crate::panic::Outcome;
use crate::rt::async_task::{
    AsyncTask, Cancel, End, NativeTask, TaskHandle, end_is_finished, poll_end,
};
use crate::rt::backend::{Backend, Left, RawJoin};
use crate::rt::in_tokio::{in_tokio, in_tokio_fn, unbudgeted};
use crate::rt::io_timer::IoTimer;
use crate::task::join_error::JoinError;
use crate::task::meta::TaskMeta;
use crate::task::wrapper;

/// The async-std backend: async-std's global runtime.
///
/// **async-std is discontinued upstream**: its README says so and recommends smol. This
/// backend stays supported and tested so existing applications keep working; new code
/// should use [`Smol`](crate::Smol), which the same async-bridge code runs on unchanged.
///
/// Tasks are spawned with `async_std::task::spawn`, so async-std's task-locals and
/// `task::current()` work inside them; `block_on` is `async_std::task::block_on`.
/// `spawn_blocking` uses the process-wide `blocking` pool (`BLOCKING_MAX_THREADS`), shared
/// with smol. The runtime is global and lives for the process.
///
/// # Examples
///
/// ```
/// use async_bridge::{AsyncStd, BlockOn, Spawn};
///
/// let rt = AsyncStd::default();
/// assert_eq!(rt.block_on(rt.spawn(async { 3 * 3 })).unwrap(), 9);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStd {
    _private: (),
}

impl AsyncStd {
    /// async-std's global runtime (the same as [`AsyncStd::default`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{AsyncStd, BlockOn};
    ///
    /// assert_eq!(AsyncStd::new().block_on(async { 1 }), 1);
    /// ```
    pub fn new() -> Self {
        AsyncStd { _private: () }
    }
}

/// async-std's join handle detaches on drop natively.
impl<T> NativeTask for async_std::task::JoinHandle<T> {
    type Output = T;
    type Slot = Option<std::task::Waker>;

    #[inline]
    fn poll_task(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(self).poll(cx).map(Some)
    }

    fn detach(self) {
        drop(self);
    }
}

impl<T: Send + 'static> Cancel for async_std::task::JoinHandle<T> {
    fn cancel(self) -> impl Future<Output = Option<T>> + Send + 'static {
        async_std::task::JoinHandle::cancel(self)
    }
}

/// An async-std join handle: a task's (async-std's own handle), or a blocking closure's
/// (the `blocking` pool's async-task handle).
pub(crate) enum Handle<T> {
    Task(TaskHandle<async_std::task::JoinHandle<Outcome<T>>>),
    Blocking(TaskHandle<async_task::FallibleTask<Outcome<T>>>),
}

impl<T: Send + 'static> RawJoin<T> for Handle<T> {
    type Cold = End<Outcome<T>>;

    #[inline(always)]
    fn poll_join(
        &mut self,
        cx: &mut Context<'_>,
        meta: &TaskMeta,
        cold: Option<&Self::Cold>,
    ) -> Poll<Result<T, JoinError>> {
        match self {
            Handle::Task(h) => h.poll_join(cx, meta, cold),
            Handle::Blocking(h) => h.poll_join(cx, meta, cold),
        }
    }

    fn abort(self) -> Left<Self, Self::Cold> {
        match self {
            Handle::Task(h) => rewrap(h.abort(), Handle::Task),
            Handle::Blocking(h) => rewrap(h.abort(), Handle::Blocking),
        }
    }

    fn check_finished(self) -> (Left<Self, Self::Cold>, bool) {
        let (left, finished) = match self {
            Handle::Task(h) => {
                let (left, finished) = h.check_finished();
                (rewrap(left, Handle::Task), finished)
            }
            Handle::Blocking(h) => {
                let (left, finished) = h.check_finished();
                (rewrap(left, Handle::Blocking), finished)
            }
        };
        (left, finished)
    }

    fn poll_cold(
        cold: &mut Self::Cold,
        cx: &mut Context<'_>,
        meta: &TaskMeta,
    ) -> Poll<Result<T, JoinError>> {
        poll_end(cold, cx, meta)
    }

    fn abort_cold(_: &mut Self::Cold) -> Option<std::task::Waker> {
        // Cancelling already, or settled.
        None
    }

    fn is_finished_cold(cold: &mut Self::Cold) -> (bool, Option<std::task::Waker>) {
        end_is_finished(cold)
    }
}

/// What `abort` or `is_finished` left of one kind of handle, as the enum's.
#[inline]
fn rewrap<H, C, T>(left: Left<H, C>, wrap: impl FnOnce(H) -> Handle<T>) -> Left<Handle<T>, C> {
    Left {
        handle: left.handle.map(wrap),
        cold: left.cold,
        waker: left.waker,
    }
}

/// An async-bridge task on async-std: its result in an [`Outcome`].
type AsyncStdTask = AsyncTask<{ Flavor::AsyncStd as u8 }>;

impl Backend for AsyncStd {
    type Handle<T> = Handle<T>;
    type Cold<T> = End<Outcome<T>>;
    type Sleep = IoTimer;

    #[inline]
    fn flavor(&self) -> Flavor {
        Flavor::AsyncStd
    }

    #[inline]
    fn block_on_raw<F: Future>(&self, future: F) -> F::Output {
        let _context = context::enter(ThreadContext::BlockOn(Flavor::AsyncStd));
        async_std::task::block_on(in_tokio(future))
    }

    /// async-std's `block_on` runs anywhere (nested inside an async-std task too). Outside
    /// the cooperative budget of a tokio task this thread may be polling.
    fn run_raw<F: Future>(&self, future: F, in_async: bool) -> F::Output {
        if in_async {
            async_std::task::block_on(unbudgeted(in_tokio(future)))
        } else {
            async_std::task::block_on(in_tokio(future))
        }
    }

    /// async-std has one runtime, its global one: a `RuntimeThread` on async-std shares it.
    fn on_own_threads(_name: &'static str) -> Self {
        AsyncStd::default()
    }

    #[inline]
    fn spawn_raw<F>(&self, future: F, meta: &TaskMeta) -> Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = async_std::task::spawn(wrapper::Task::<_, AsyncStdTask>::new(
            in_tokio(future),
            meta,
        ));
        Handle::Task(TaskHandle::new(task))
    }

    fn spawn_blocking_raw<F, R>(&self, f: F) -> Handle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // Straight to the `blocking` pool that async-std's own `spawn_blocking` uses: its
        // version wraps the closure in a second task, through which an aborted closure
        // that has not started yet would still run.
        let task = blocking::unblock(wrapper::blocking(in_tokio_fn(f), Flavor::AsyncStd));
        Handle::Blocking(TaskHandle::new(task.fallible()))
    }

    #[inline]
    fn sleep_raw(&self, duration: Duration) -> IoTimer {
        // async-std's own timers are async-io's.
        IoTimer::after(duration)
    }

    #[inline]
    fn deadline_raw(&self, duration: Duration) -> IoTimer {
        IoTimer::deadline(duration)
    }

    #[inline]
    fn of_context(_: Flavor) -> Option<Self> {
        Some(AsyncStd::new())
    }

    #[inline]
    fn global() -> &'static Self {
        static GLOBAL: AsyncStd = AsyncStd { _private: () };
        &GLOBAL
    }

    fn test_runtime(_: Flavor, _: Option<usize>) -> Self {
        AsyncStd::new()
    }
}
