//! The async-std backend.
//!
//! async-std is discontinued upstream (its README says so, and points to smol). This
//! backend stays supported and tested; new code should prefer [`Smol`](crate::Smol).

use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use crate::context::{self, Context, Flavor};
use crate::hook;
use crate::rt::async_task::{AsyncTask, Cancel, NativeTask, TaskHandle};
use crate::rt::{RawHandle, RawSleep};
use crate::task::TaskMeta;
use crate::wrap::{self, Outcome};
use crate::{BlockOn, BlockOnError, JoinHandle, Sleep, Spawn, SpawnBlocking, Timer};

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

    pub(crate) fn sleep_raw(&self, duration: Duration) -> Sleep {
        // async-std's own timers are async-io's.
        Sleep::new(RawSleep::AsyncIo {
            timer: async_io::Timer::after(duration),
        })
    }
}

/// async-std's join handle detaches on drop natively.
impl<T> NativeTask for async_std::task::JoinHandle<T> {
    type Output = T;
    type Slot = Option<std::task::Waker>;

    #[inline]
    fn poll_task(&mut self, cx: &mut TaskContext<'_>) -> Poll<Option<T>> {
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

pub(crate) type NativeHandle<T> = TaskHandle<async_std::task::JoinHandle<Outcome<T>>>;

impl BlockOn for AsyncStd {
    #[track_caller]
    #[inline]
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::block_on_error::or_panic(self.try_block_on(future))
    }

    #[track_caller]
    #[inline]
    fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, BlockOnError> {
        self.try_block_on_at(future, Location::caller())
    }

    #[inline]
    fn try_block_on_at<F: Future>(
        &self,
        future: F,
        location: &'static Location<'static>,
    ) -> Result<F::Output, BlockOnError> {
        let future = hook::block_on_future(future, location);
        context::try_block_on(Flavor::AsyncStd, || {
            let _context = context::enter(Context::BlockOn(Flavor::AsyncStd));
            async_std::task::block_on(future)
        })
    }
}

impl Spawn for AsyncStd {
    #[track_caller]
    #[inline]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with_meta(future, TaskMeta::caller())
    }

    #[inline]
    fn spawn_with_meta<F>(&self, future: F, meta: TaskMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = async_std::task::spawn(wrap::Task::<_, AsyncTask<false>>::new(future, &meta));
        JoinHandle::new(RawHandle::AsyncStd(TaskHandle::new(task)), meta)
    }
}

impl SpawnBlocking for AsyncStd {
    #[track_caller]
    fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_blocking_with_meta(f, TaskMeta::caller())
    }

    fn spawn_blocking_with_meta<F, R>(&self, f: F, meta: TaskMeta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // Straight to the `blocking` pool that async-std's own `spawn_blocking` uses: its
        // version wraps the closure in a second task, through which an aborted closure
        // that has not started yet would still run.
        let task = blocking::unblock(wrap::blocking(f, Flavor::AsyncStd));
        JoinHandle::new(
            RawHandle::Task(TaskHandle::new(task.fallible()), Flavor::AsyncStd),
            meta,
        )
    }
}

impl Timer for AsyncStd {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
        self.sleep_raw(duration)
    }
}
