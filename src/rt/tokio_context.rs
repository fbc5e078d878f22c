//! Tokio's runtime context for futures that tokio does not poll (feature `tokio-context`).
//!
//! Libraries written for tokio (reqwest, hyper-util, tonic, the AWS SDK, sqlx's tokio arm)
//! call `tokio::spawn`, `tokio::time`, `tokio::net` or `Handle::current()` inside their
//! futures. Polled by smol or async-std, those calls panic with *"there is no reactor
//! running, must be called from the context of a Tokio 1.x runtime"*. With this feature on,
//! every future async-bridge polls on the [`Smol`](crate::Smol) and
//! [`AsyncStd`](crate::AsyncStd) backends (`block_on`, spawned tasks, named ones too, and
//! `spawn_blocking` closures) runs inside a tokio runtime context, so those libraries work
//! unchanged. For a future that another executor polls (`futures::executor::block_on`, a
//! GUI loop), wrap it in [`tokio_context`].
//!
//! The context only *points at* a tokio runtime: the future is still polled by the executor
//! that polls it, and tokio's reactor and timers run on the tokio runtime's own threads,
//! waking the future's executor when its I/O is ready.
//!
//! # Which runtime
//!
//! Looked up at every poll (never kept from one poll to the next, so a runtime shut down in
//! between is not used again), in this order:
//!
//! 1. the runtime the application set with [`set_runtime`], while it is running;
//! 2. else the tokio runtime the polling thread is already inside (a tokio worker, a thread
//!    in `Handle::enter`): then nothing is entered;
//! 3. else, with the `tokio` feature on, the multi-thread runtime that async-bridge's free
//!    functions start on tokio ([`async_bridge::spawn`](crate::spawn) outside any runtime),
//!    so there is never a second tokio runtime;
//! 4. else a shared multi-thread runtime with one worker, started on first use on a thread
//!    named `async-bridge-tokio` (I/O and timers enabled). It is never shut down, so a late
//!    poll never meets *"A Tokio 1.x context was found, but it is being shutdown"*, and it
//!    never holds up the exit of the process.
//!
//! A runtime set with [`set_runtime`] that is later shut down is **fallen back from**: once
//! its tasks are dropped (which a runtime's shutdown does first), polls use rules 2 to 4, and
//! [`runtime`] says which. I/O resources and timers created on it stay bound to it and
//! report tokio's own shutdown error, as they would under tokio.
//!
//! # What it does not change
//!
//! - The rules of "Where `block_on` may run": a smol task inside a tokio context is still a
//!   smol task, and `async_bridge::block_on` there is refused as before.
//! - The free functions' runtime: inside a smol task, `async_bridge::spawn` still spawns on
//!   smol (use `tokio::spawn` to spawn on the tokio runtime).
//! - Your own [`Handle::enter`] guards: the context is entered at the start of each poll
//!   (and of each drop, and each blocking closure) and left at its end, so a guard created
//!   inside a poll nests inside it. Keep guards inside one poll: a guard held across an
//!   `.await` is dropped after the poll's own, and tokio panics on guards dropped out of
//!   order (tokio#5772). Such code worked on smol and async-std without the feature (there
//!   was no outer guard); with it, drop the guard before the `.await`.
//!
//! # Cost
//!
//! No allocation per task or per poll; per poll, a lookup of the thread's tokio context and,
//! when it has none, an `enter` (BENCHMARKS.md, "tokio-context", measures it beside
//! `async_compat::Compat`).
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "smol")] {
//! use std::time::Duration;
//! use async_bridge::Smol;
//! use async_bridge::{BlockOn, Spawn};
//!
//! let rt = Smol::global();
//! rt.block_on(async {
//!     // tokio's timer and tokio's sockets, on smol.
//!     tokio::time::sleep(Duration::from_millis(1)).await;
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let port = listener.local_addr().unwrap().port();
//!     // In spawned tasks too.
//!     let task = rt.spawn(async move { tokio::net::TcpStream::connect(("127.0.0.1", port)).await });
//!     let (_accepted, _) = listener.accept().await.unwrap();
//!     task.await.unwrap().unwrap();
//! });
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
#[cfg(not(feature = "tokio"))]
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::runtime::Handle;

/// The runtime [`set_runtime`] set, whether it is still running, and the task that watches
/// (aborted when this runtime is replaced or cleared, so that setting runtimes again and
/// again leaves no task behind).
struct SetRuntime {
    handle: Handle,
    running: Arc<AtomicBool>,
    watch: tokio::task::AbortHandle,
}

impl Drop for SetRuntime {
    fn drop(&mut self) {
        self.watch.abort();
    }
}

/// Whether [`SET`] holds a runtime: the check every poll makes first, without the lock.
static IS_SET: AtomicBool = AtomicBool::new(false);
static SET: RwLock<Option<SetRuntime>> = RwLock::new(None);

/// Dropped with the tasks of the runtime it was spawned on, when that runtime shuts down.
struct ShutdownWatch(Arc<AtomicBool>);

impl Drop for ShutdownWatch {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Sets the tokio runtime that futures polled by async-bridge's smol and async-std
/// backends (and by [`tokio_context`]) run in, from now on, in every thread: the
/// application's own runtime, configured as it likes (worker threads, thread names, I/O
/// and timer drivers), instead of the shared one async-bridge would start.
///
/// It replaces a runtime set before. When the runtime is shut down later (dropped,
/// `shutdown_timeout`, `shutdown_background`), polls fall back to the next rule of the
/// [module docs](self#which-runtime) as soon as its tasks have been dropped; futures never
/// hang on a runtime that is gone. The runtime should have its I/O and time drivers enabled
/// (`enable_all()`) if the libraries you poll use `tokio::net` or `tokio::time`. A
/// current-thread runtime only runs its timers, I/O and spawned tasks while a thread is
/// inside its `Runtime::block_on` (tokio#3569): set a multi-thread one, or keep a thread in
/// `block_on` for it.
///
/// It spawns one task on the runtime, which waits until the runtime shuts down (that is
/// how the shutdown is noticed without keeping the runtime alive); replacing or clearing
/// the runtime aborts that task.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "smol")] {
/// use async_bridge::{BlockOn, Smol};
///
/// let tokio_rt = tokio::runtime::Builder::new_multi_thread()
///     .worker_threads(1)
///     .thread_name("my-app-tokio")
///     .enable_all()
///     .build()
///     .unwrap();
/// async_bridge::tokio_context::set_runtime(tokio_rt.handle().clone());
///
/// let name = Smol::global().block_on(async {
///     tokio::spawn(async { std::thread::current().name().map(str::to_owned) }).await.unwrap()
/// });
/// assert_eq!(name.as_deref(), Some("my-app-tokio"));
/// # async_bridge::tokio_context::clear_runtime();
/// # }
/// ```
pub fn set_runtime(handle: Handle) {
    let running = Arc::new(AtomicBool::new(true));
    let watch = ShutdownWatch(Arc::clone(&running));
    // The watch lives in a task that never completes: the runtime drops it at shutdown
    // (at once, when it is already shut down).
    let watch = handle
        .spawn(async move {
            let _watch = watch;
            std::future::pending::<()>().await
        })
        .abort_handle();
    let replaced = {
        let mut set = SET.write().unwrap_or_else(PoisonError::into_inner);
        // Under the lock, so that a `clear_runtime` in between cannot leave the flag set.
        IS_SET.store(true, Ordering::Release);
        set.replace(SetRuntime {
            handle,
            running,
            watch,
        })
    };
    // Outside the lock: aborting may run the old watch's destructor here.
    drop(replaced);
}

/// Forgets the runtime [`set_runtime`] set: polls go back to the default choice of the
/// [module docs](self#which-runtime) (rules 2 to 4). Does nothing if none is set.
///
/// # Examples
///
/// ```
/// let tokio_rt = tokio::runtime::Runtime::new().unwrap();
/// async_bridge::tokio_context::set_runtime(tokio_rt.handle().clone());
/// async_bridge::tokio_context::clear_runtime();
/// ```
pub fn clear_runtime() {
    let cleared = {
        let mut set = SET.write().unwrap_or_else(PoisonError::into_inner);
        IS_SET.store(false, Ordering::Release);
        set.take()
    };
    drop(cleared);
}

/// The tokio runtime a future polled now, on this thread, would run in (by the rules of the
/// [module docs](self#which-runtime)). Starts the shared runtime if that is the one.
///
/// # Examples
///
/// ```
/// let handle = async_bridge::tokio_context::runtime();
/// let answer = handle.block_on(async { 6 * 7 });
/// assert_eq!(answer, 42);
/// ```
pub fn runtime() -> Handle {
    if let Some(handle) = set_handle() {
        return handle;
    }
    Handle::try_current().unwrap_or_else(|_| fallback().clone())
}

/// The running runtime [`set_runtime`] set, if any; forgets one that has shut down.
#[inline]
fn set_handle() -> Option<Handle> {
    if !IS_SET.load(Ordering::Acquire) {
        return None;
    }
    set_handle_locked()
}

#[cold]
fn set_handle_locked() -> Option<Handle> {
    {
        let set = SET.read().unwrap_or_else(PoisonError::into_inner);
        match &*set {
            None => return None,
            Some(set) if set.running.load(Ordering::Acquire) => return Some(set.handle.clone()),
            Some(_) => {}
        }
    }
    // Shut down: forget it, unless another one was set meanwhile.
    let mut set = SET.write().unwrap_or_else(PoisonError::into_inner);
    let gone = if set
        .as_ref()
        .is_some_and(|set| !set.running.load(Ordering::Acquire))
    {
        IS_SET.store(false, Ordering::Release);
        set.take()
    } else {
        None
    };
    let handle = set.as_ref().map(|set| set.handle.clone());
    drop(set);
    drop(gone);
    handle
}

/// The runtime of rules 3 and 4: async-bridge's own, alive for the process.
#[inline]
fn fallback() -> &'static Handle {
    cfg_if::cfg_if! {
        if #[cfg(feature = "tokio")] {
            use crate::rt::backend::Backend;
            crate::rt::tokio::Tokio::global().handle()
        } else {
            shared()
        }
    }
}

/// The shared runtime of rule 4, started on first use.
#[cfg(not(feature = "tokio"))]
fn shared() -> &'static Handle {
    static SHARED: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("async-bridge-tokio")
                .enable_all()
                .build()
                .unwrap_or_else(|err| {
                    panic!(
                        "async-bridge: could not start the shared tokio runtime of the feature \
                         `tokio-context` ({err}); start one yourself and pass its handle to \
                         `async_bridge::tokio_context::set_runtime`"
                    )
                })
        })
        .handle()
}

/// Runs `f` inside the tokio runtime context chosen by the rules of the module docs, and
/// leaves it when `f` returns (or unwinds).
#[inline]
pub(crate) fn enter<R>(f: impl FnOnce() -> R) -> R {
    let current = Handle::try_current();
    // During the thread's teardown (a `block_on` in a thread-local's destructor), tokio's
    // own thread-local may be gone, and `Handle::enter` would panic: run without a context,
    // as without the feature.
    if current
        .as_ref()
        .is_err_and(|err| err.is_thread_local_destroyed())
    {
        return f();
    }
    if IS_SET.load(Ordering::Relaxed) {
        if let Some(handle) = set_handle() {
            let _guard = handle.enter();
            return f();
        }
    }
    if current.is_ok() {
        return f();
    }
    let _guard = fallback().enter();
    f()
}

/// Runs `future` inside a tokio runtime context: every poll, and its drop, enter the
/// runtime chosen by the rules of the [module docs](tokio_context#which-runtime), and leave
/// it before returning.
///
/// Futures that async-bridge polls on smol and async-std need no wrapper (the feature does
/// it for them); this is for futures that an executor async-bridge does not drive polls:
/// `futures::executor::block_on`, `futures_lite::future::block_on`, a GUI event loop, a
/// hand-written executor. It allocates nothing; the wrapper is `Send` when the future is.
///
/// # Panics
///
/// Polling it again after it completed polls the inner future again, which panics for an
/// `async` block (as most futures do).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let listener = futures_lite::future::block_on(async_bridge::tokio_context(async {
///     tokio::time::sleep(Duration::from_millis(1)).await;
///     tokio::net::TcpListener::bind("127.0.0.1:0").await
/// }))
/// .unwrap();
/// assert!(listener.local_addr().unwrap().ip().is_loopback());
/// ```
pub fn tokio_context<F: Future>(future: F) -> TokioContext<F> {
    TokioContext::new(future)
}

pin_project! {
    /// A future that runs inside a tokio runtime context: see [`tokio_context()`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct TokioContext<F> {
        #[pin]
        future: Option<F>,
    }

    impl<F> PinnedDrop for TokioContext<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut future = this.project().future;
            // Destructors of tokio resources may need the context too.
            if std::mem::needs_drop::<F>() && future.is_some() {
                enter(|| future.set(None));
            }
        }
    }
}

impl<F> TokioContext<F> {
    /// Wraps `future`, as [`tokio_context()`] does.
    pub fn new(future: F) -> Self {
        TokioContext {
            future: Some(future),
        }
    }
}

impl<F: Future> Future for TokioContext<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let slot = self.project().future;
        // The inner future is dropped with the wrapper (inside the context too), not here:
        // a destructor that panics must not turn a completed poll into a panic (the task
        // wrapper keeps the output and discards such a panic, on every backend).
        let future = slot.as_pin_mut().expect(
            "async-bridge: a `TokioContext` future was polled after it was dropped; poll a \
             future until it returns `Ready`, then no more",
        );
        enter(|| future.poll(cx))
    }
}

impl<F> fmt::Debug for TokioContext<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioContext").finish_non_exhaustive()
    }
}
