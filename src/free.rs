//! The free functions: the runtime the caller is in, else the default backend.

use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use crate::ambient::{self, AmbientRuntime};
use crate::rt::Backend;
use crate::{BlockOnError, JoinHandle, Sleep, Spawn, SpawnBlocking, Timeout};

/// Drives `future` to completion on the current thread, on the current or default runtime.
///
/// The runtime is the one the caller is in, when it is an enabled backend; else the default
/// backend's global runtime (tokio, then smol, then async-std), started on first use.
///
/// # Panics
///
/// Panics where the table ["Where `block_on` may run"](crate#where-block_on-may-run)
/// refuses, with a message that names the fix (`.await`, or `spawn_blocking`); use
/// [`try_block_on`] to get an error instead. Also panics if `future` panics.
///
/// # Examples
///
/// ```
/// async fn fetch() -> u32 { 7 }
///
/// fn main() {
///     // A sync `main` that needs an async result.
///     let value = async_bridge::block_on(fetch());
///     assert_eq!(value, 7);
/// }
/// ```
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    crate::block_on_error::or_panic(ambient::try_block_on(future, Location::caller()))
}

/// Like [`block_on`], but returns an error where it would panic.
///
/// # Errors
///
/// Returns [`BlockOnError`] where blocking this thread would stall an executor (inside an
/// async task, or another `block_on`, that cannot hand its work elsewhere).
///
/// # Examples
///
/// ```
/// assert_eq!(async_bridge::try_block_on(async { 1 }), Ok(1));
///
/// let nested = async_bridge::block_on(async_bridge::spawn(async {
///     async_bridge::try_block_on(async { 2 }).is_ok()
/// }));
/// // Refused inside a task, except on a tokio multi-thread worker, where it blocks in place.
/// # let _ = nested;
/// ```
#[track_caller]
pub fn try_block_on<F: Future>(future: F) -> Result<F::Output, BlockOnError> {
    ambient::try_block_on(future, Location::caller())
}

/// Spawns `future` on the current or default runtime. Works from any thread.
///
/// Dropping the returned [`JoinHandle`] detaches the task; see its docs.
///
/// # Examples
///
/// ```
/// let handle = async_bridge::spawn(async { 40 + 2 });
/// assert_eq!(async_bridge::block_on(handle).unwrap(), 42);
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    AmbientRuntime::find().spawn(future)
}

/// Runs `f` on the current or default runtime's blocking pool.
///
/// Use it for sync I/O and CPU-heavy work inside async code, so no executor thread stalls.
///
/// # Examples
///
/// ```
/// async_bridge::block_on(async {
///     let len = async_bridge::spawn_blocking(|| std::fs::read_dir(".").map(|d| d.count()))
///         .await
///         .unwrap();
///     assert!(len.is_ok());
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    AmbientRuntime::find().spawn_blocking(f)
}

/// A future that completes `duration` from now, on the current or default runtime's timer.
/// It can be created on any thread and polled by any executor.
///
/// # Panics
///
/// On a tokio runtime built without its time driver (`enable_time`), as
/// `tokio::time::sleep` does.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// async_bridge::block_on(async_bridge::sleep(Duration::from_millis(1)));
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(AmbientRuntime::find().sleep_raw(duration))
}

/// Runs `future` with a time limit: `Err(Elapsed)` if `duration` passes first.
///
/// The limit counts from this call, on the current or default runtime's timer. The timer
/// itself is made only when `future` is first found pending, so a future that is ready at
/// once costs none.
///
/// # Panics
///
/// On a tokio runtime built without its time driver (`enable_time`), the first poll that
/// finds `future` pending panics with tokio's message.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let late = async_bridge::block_on(async_bridge::timeout(
///     Duration::from_millis(1),
///     std::future::pending::<()>(),
/// ));
/// assert!(late.is_err());
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F, Sleep> {
    Timeout::new(future, Sleep::new(AmbientRuntime::find().deadline_raw(duration)))
}
