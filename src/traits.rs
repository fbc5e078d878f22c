//! The traits every backend implements: [`BlockOn`], [`Spawn`], [`SpawnBlocking`],
//! [`Timer`], and [`Runtime`], all of them together.

use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use crate::task::TaskMeta;
use crate::{BlockOnError, JoinHandle, Timeout};

/// Drives a future to completion on the current thread.
///
/// `block_on` takes any future (no `Send`, no `'static`): it polls on the calling thread,
/// while the backend's reactor and timers run on the backend's own threads.
///
/// # Where `block_on` may run
///
/// See the [crate docs](crate#where-block_on-may-run): on a plain thread and in a
/// `spawn_blocking` closure it runs; on a tokio multi-thread worker it runs inside
/// `block_in_place`; inside a task or a `block_on` of smol, async-std or tokio
/// current-thread it refuses, because it would stall (and can deadlock) an executor.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "smol")] {
/// use async_bridge::{BlockOn, Smol};
///
/// // A synchronous API over an async one, the `reqwest::blocking` pattern.
/// struct Client<R> { rt: R }
/// impl<R: BlockOn> Client<R> {
///     fn get(&self) -> u32 {
///         self.rt.block_on(async { 200 })
///     }
/// }
/// assert_eq!(Client { rt: Smol::default() }.get(), 200);
/// # }
/// ```
pub trait BlockOn {
    /// Drives `future` to completion on the current thread, and returns its output.
    ///
    /// # Panics
    ///
    /// Panics, with a message that names the fix, where the table "Where `block_on` may
    /// run" refuses: inside an async task or another `block_on` that cannot hand its work to
    /// another thread. Use [`try_block_on`](BlockOn::try_block_on) to get
    /// `Err(BlockOnError)` there instead. Also panics if `future` panics.
    #[track_caller]
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Like [`block_on`](BlockOn::block_on), but returns an error where it would panic.
    ///
    /// # Errors
    ///
    /// Returns [`BlockOnError`] where blocking this thread would stall an executor; the
    /// future is dropped unpolled.
    #[track_caller]
    fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, BlockOnError>;

    /// [`try_block_on`](BlockOn::try_block_on), called at `location`: how
    /// [`RuntimeHandle`](crate::RuntimeHandle) passes its caller's location across the dyn
    /// boundary, for the watchdog. Implementors keep the default.
    #[doc(hidden)]
    #[track_caller]
    fn try_block_on_at<F: Future>(
        &self,
        future: F,
        location: &'static Location<'static>,
    ) -> Result<F::Output, BlockOnError> {
        let _ = location;
        self.try_block_on(future)
    }
}

/// Spawns a task that runs concurrently, on the runtime's threads.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "smol")] {
/// use async_bridge::{BlockOn, Smol, Spawn};
///
/// let rt = Smol::default();
/// let handle = rt.spawn(async { "from a task" });
/// // Spawning works from any thread: here, a plain one.
/// let other = std::thread::spawn({
///     let rt = rt.clone();
///     move || rt.spawn(async { 1 })
/// }).join().unwrap();
/// assert_eq!(rt.block_on(handle).unwrap(), "from a task");
/// assert_eq!(rt.block_on(other).unwrap(), 1);
/// # }
/// ```
pub trait Spawn {
    /// Spawns `future` as a new task and returns its [`JoinHandle`]. Works from any thread:
    /// inside a task, inside `block_on`, inside a `spawn_blocking` closure, or a plain
    /// thread. Dropping the handle detaches the task; see [`JoinHandle`].
    ///
    /// The handle records the caller's location (`#[track_caller]`), shown by its `Debug`
    /// and by the watchdog; [`task::Builder`](crate::task::Builder) also names the task.
    #[track_caller]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// [`spawn`](Spawn::spawn) with a name and a spawn location: what
    /// [`task::Builder`](crate::task::Builder) calls. The default spawns with `spawn` and
    /// records `meta` on the handle; async-bridge's backends also hand it to the watchdog.
    #[doc(hidden)]
    #[track_caller]
    fn spawn_with_meta<F>(&self, future: F, meta: TaskMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn(future).with_meta(meta)
    }
}

/// Runs blocking code on a thread pool meant for it.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "smol")] {
/// use async_bridge::{BlockOn, Smol, SpawnBlocking};
///
/// let rt = Smol::default();
/// let sum = rt.block_on(rt.spawn_blocking(|| (1..=100).sum::<u32>())).unwrap();
/// assert_eq!(sum, 5050);
/// # }
/// ```
pub trait SpawnBlocking {
    /// Runs `f` on the backend's blocking pool and returns a [`JoinHandle`] to its result.
    /// The closure may block (sync I/O, CPU work, `block_on`). Dropping the handle lets
    /// the closure run; aborting skips it if it has not started yet. The handle records the
    /// caller's location (`#[track_caller]`).
    #[track_caller]
    fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static;

    /// [`spawn_blocking`](SpawnBlocking::spawn_blocking) with a name and a spawn location:
    /// what [`task::Builder`](crate::task::Builder) calls.
    #[doc(hidden)]
    #[track_caller]
    fn spawn_blocking_with_meta<F, R>(&self, f: F, meta: TaskMeta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_blocking(f).with_meta(meta)
    }
}

/// Timers on the backend's own clock.
///
/// The futures can be created on any thread and polled by any executor.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "smol")] {
/// use std::time::Duration;
/// use async_bridge::{BlockOn, Smol, Timer};
///
/// let rt = Smol::default();
/// rt.block_on(async {
///     rt.sleep(Duration::from_millis(1)).await;
///     let late = rt.timeout(Duration::from_millis(1), std::future::pending::<()>()).await;
///     assert!(late.is_err());
/// });
/// # }
/// ```
pub trait Timer {
    /// A future that completes `duration` after this call.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static + use<Self>;

    /// Races `future` against [`sleep(duration)`](Timer::sleep): `Ok` with its output if it
    /// finishes first, else `Err(Elapsed)` (and `future` is dropped with the `Timeout`).
    /// [`Timeout`] is `Send` exactly when `future` is.
    ///
    /// The backends' own (and those of [`RuntimeHandle`](crate::RuntimeHandle) and
    /// [`RuntimeThread`](crate::RuntimeThread)) take the deadline at this call, on the
    /// runtime's clock, but make the timer only when `future` is first found pending, so a
    /// future that is ready at once costs no timer. On a tokio runtime built without its
    /// time driver, that first pending poll panics (tokio's message asks for
    /// `enable_time`), where [`sleep`](Timer::sleep) panics at its call.
    fn timeout<F: Future>(
        &self,
        duration: Duration,
        future: F,
    ) -> Timeout<F, impl Future<Output = ()> + Send + 'static + use<Self, F>> {
        Timeout::new(future, self.sleep(duration))
    }
}

/// A runtime: [`BlockOn`] + [`Spawn`] + [`SpawnBlocking`] + [`Timer`], cheap to clone and
/// shareable across threads. Implemented for every type that has them all.
///
/// Library code written once is generic over `R: Runtime` (static dispatch, no boxing);
/// [`RuntimeHandle`](crate::RuntimeHandle) holds one without a type parameter.
///
/// # Examples
///
/// ```
/// use async_bridge::{Runtime, Spawn, BlockOn};
///
/// fn double_in_a_task<R: Runtime>(rt: &R, x: u64) -> u64 {
///     rt.block_on(rt.spawn(async move { x * 2 })).unwrap()
/// }
/// # #[cfg(feature = "smol")]
/// assert_eq!(double_in_a_task(&async_bridge::Smol::default(), 21), 42);
/// ```
pub trait Runtime: BlockOn + Spawn + SpawnBlocking + Timer + Clone + Send + Sync + 'static {}

impl<T> Runtime for T where
    T: BlockOn + Spawn + SpawnBlocking + Timer + Clone + Send + Sync + 'static
{
}
