//! `JoinHandle<T>`: one meaning on every backend.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::rt::{Native, RawHandle};
use crate::striped_mutex::StripedMutex;
use crate::task::join_error::JoinError;
use crate::task::meta::TaskMeta;

/// An owned permission to await a spawned task (or `spawn_blocking` closure) and get its
/// output.
///
/// It means the same on every backend, whatever the runtime does natively:
///
/// - **Dropping it detaches**: the task runs to completion, its output is dropped. (tokio and
///   async-std detach natively; smol cancels on drop, so async-bridge detaches for you.)
///   This holds for `spawn_blocking` handles too. [`detach`](Self::detach) says it out loud.
/// - **[`abort`](Self::abort) cancels**: the task's future is dropped, so its destructors
///   run, and awaiting the handle yields a [`JoinError`] whose
///   [`is_cancelled`](JoinError::is_cancelled) is true, unless the task had already finished
///   (then `Ok`). A `spawn_blocking` closure that has started is never interrupted; one that
///   has not started is skipped.
/// - **A panic becomes [`JoinError`]**: it never takes the runtime or the process down, also
///   when it comes from the destructor of an aborted task's future (smol and async-std abort
///   the process there natively). [`JoinError::into_panic`] returns the original payload.
///
/// Awaiting it yields `Result<T, JoinError>`. It is `Send` and `Sync` when `T` is `Send`.
/// With smol or tokio alone it is two words (16 bytes on a 64-bit target): the runtime's
/// own one-word handle, and one word for the task's name and location. With tokio and smol
/// it is three (a tag says whose handle it holds); with async-std, seven (async-std's own
/// handle is three words, the awaiter's waker kept beside it two, and the tag between its
/// task and blocking handles one).
/// Its `Debug` shows the backend, the task's name (see [`Builder`](crate::task::Builder))
/// and where it was spawned.
///
/// # Panics
///
/// Polling it again after it returned `Ready` panics, on every backend (await a handle
/// once; [`is_finished`](Self::is_finished) tells without taking the output). Once
/// awaited, `is_finished` is `true` and `abort` does nothing.
///
/// # Examples
///
/// ```
/// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
/// async_bridge::block_on(async {
///     let answer = async_bridge::spawn(async { 6 * 7 });
///     assert_eq!(answer.await.unwrap(), 42);
///
///     let forever = async_bridge::spawn(std::future::pending::<()>());
///     forever.abort();
///     assert!(forever.await.unwrap_err().is_cancelled());
/// });
/// # }
/// ```
#[must_use = "dropping a JoinHandle detaches the task: call `.detach()` to say so, or `.await` it for its output"]
pub struct JoinHandle<T> {
    /// The backend's handle and the task's meta. Awaiting has `&mut self` and takes no
    /// lock; `abort`, `is_finished` and the meta's getters take the lock of a shared table,
    /// so that the handle carries none.
    raw: StripedMutex<RawHandle<T>>,
}

/// `JoinHandle<T>` is `Sync` exactly when its raw handle is `Send` (as with a `Mutex`), and
/// that holds for every `T: Send`, on every backend, as the docs say: checked here at
/// compile time.
#[allow(dead_code)]
fn sync_when_output_is_send<T: Send>() {
    fn sync<X: Sync>() {}
    sync::<JoinHandle<T>>();
}

impl<T> JoinHandle<T> {
    #[inline]
    pub(crate) fn new(native: Native<T>, meta: TaskMeta) -> Self {
        Self::from_raw(RawHandle::new(native, meta))
    }

    #[inline]
    pub(crate) fn from_raw(raw: RawHandle<T>) -> Self {
        JoinHandle {
            raw: StripedMutex::new(raw),
        }
    }

    #[inline]
    pub(crate) fn into_raw(self) -> RawHandle<T> {
        self.raw.into_inner()
    }

    /// The same handle, recording `meta` as its task's name and spawn location.
    #[inline]
    pub(crate) fn with_meta(mut self, meta: TaskMeta) -> Self {
        self.raw.get_mut().set_meta(meta);
        self
    }

    /// The task's name, if it was spawned with [`Builder::name`](crate::task::Builder::name).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// use async_bridge::task::Builder;
    ///
    /// let handle = Builder::new().name("fetch-config").spawn(async { 1 });
    /// assert_eq!(handle.name(), Some("fetch-config"));
    /// assert_eq!(async_bridge::spawn(async { 2 }).name(), None);
    /// # let _ = async_bridge::block_on(handle);
    /// # }
    /// ```
    // The one `unsafe` here: the name is read under the lock and borrowed past it.
    #[allow(unsafe_code)]
    pub fn name(&self) -> Option<&str> {
        let name = self
            .raw
            .lock(|raw| raw.meta().name().map(std::ptr::NonNull::from));
        // SAFETY: the name is owned, behind a shared allocation, by the handle's `TaskMeta`,
        // which `&self` access (`abort`, `is_finished`) may move into or out of the
        // handle's cold state but never drops or replaces (`MetaWord`'s docs): only
        // `with_meta` or the handle's drop can, and they need `self`, which the borrow of
        // `&self` returned here excludes (as it excludes a poll's `&mut self`, which moves
        // it back out of the box).
        name.map(|name| unsafe { name.as_ref() })
    }

    /// Where the task was spawned: the caller of `spawn`, `spawn_blocking` or the
    /// [`Builder`](crate::task::Builder) method.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// let handle = async_bridge::spawn(async {});
    /// assert_eq!(handle.spawned_at().file(), file!());
    /// # handle.detach();
    /// # }
    /// ```
    pub fn spawned_at(&self) -> &'static std::panic::Location<'static> {
        self.raw.lock(|raw| raw.meta().location())
    }

    /// Lets the task run to completion without anyone awaiting it. The same as dropping the
    /// handle, said out loud.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// async_bridge::spawn(async move { tx.send("done").unwrap() }).detach();
    /// assert_eq!(rx.recv().unwrap(), "done");
    /// # }
    /// ```
    pub fn detach(self) {
        drop(self);
    }
}

impl<T: Send + 'static> JoinHandle<T> {
    /// Cancels the task. Idempotent; it never blocks.
    ///
    /// The task's future is dropped (on its runtime's threads, soon after), so its
    /// destructors run. Awaiting the handle then yields `Err(e)` with `e.is_cancelled()`,
    /// unless the task had already finished: then its output is kept and awaiting yields
    /// `Ok`. A `spawn_blocking` closure that has started runs to its end (no runtime can
    /// interrupt a thread); one still queued is skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// use std::time::Duration;
    ///
    /// async_bridge::block_on(async {
    ///     let slow = async_bridge::spawn(async_bridge::sleep(Duration::from_secs(60)));
    ///     slow.abort();
    ///     slow.abort(); // idempotent
    ///     assert!(slow.await.unwrap_err().is_cancelled());
    /// });
    /// # }
    /// ```
    pub fn abort(&self) {
        // The awaiter's waker is woken once the lock is released.
        if let Some(waker) = self.raw.lock(|raw| raw.abort()) {
            waker.wake();
        }
    }

    /// True once the task has finished: completed, panicked or been cancelled. Awaiting a
    /// finished task's handle returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// use std::time::Duration;
    ///
    /// async_bridge::block_on(async {
    ///     let handle = async_bridge::spawn(async { 1 });
    ///     while !handle.is_finished() {
    ///         async_bridge::sleep(Duration::from_millis(1)).await;
    ///     }
    ///     assert_eq!(handle.await.unwrap(), 1);
    /// });
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        let (finished, waker) = self.raw.lock(|raw| raw.is_finished());
        if let Some(waker) = waker {
            waker.wake();
        }
        finished
    }
}

// The handle never pins what it holds: every backend's native handle is `Unpin`.
impl<T> Unpin for JoinHandle<T> {}

impl<T: Send + 'static> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    #[inline(always)]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.raw.get_mut().poll_join(cx)
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (backend, meta) = self.raw.lock(|raw| (raw.backend(), raw.meta().clone()));
        let mut debug = f.debug_struct("JoinHandle");
        debug.field("backend", &backend);
        if let Some(name) = meta.name() {
            debug.field("name", &name);
        }
        debug
            .field("spawned_at", &format_args!("{}", meta.location()))
            .finish_non_exhaustive()
    }
}
/// The handle's size, per set of backends (64-bit targets): each word costs time on a batch
/// of spawns (BENCHMARKS.md, "The size curve"), so a change that adds one must say so here.
#[cfg(all(test, target_pointer_width = "64", not(async_bridge_loom)))]
mod size {
    use super::JoinHandle;

    /// Two words with smol or tokio alone: the runtime's own handle and the meta word.
    /// With tokio and smol, the enum of their handles adds a tag word. With async-std:
    /// its own handle (three words), the awaiter's waker it keeps (two) and the tag of its
    /// task and blocking handles (one), then the meta word.
    #[cfg(not(feature = "async-std"))]
    const MAX: usize = if cfg!(all(feature = "smol", feature = "tokio")) {
        24
    } else {
        16
    };
    #[cfg(feature = "async-std")]
    const MAX: usize = 56;

    #[test]
    fn join_handle_size() {
        let size = size_of::<JoinHandle<u64>>();
        assert!(
            size <= MAX,
            "JoinHandle<u64> is {size} bytes, more than the {MAX} of this set of backends"
        );
        // The lock-free `&mut` access needs an `UnsafeCell`, which hides the words' niches
        // from `Option`: it costs one word.
        assert!(size_of::<Option<JoinHandle<u64>>>() <= size + size_of::<usize>());
    }
}
