//! [`RuntimeThread`]: a runtime on threads of its own, for a library's synchronous API.

mod keeper;
mod repoll;

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use crate::ambient::{AmbientRuntime, IntoAmbient};
use crate::context::{self, Flavor, ThreadContext};
use crate::rt::{self, Backend};
use crate::task::meta::TaskMeta;
use crate::{BlockOn, BlockOnError, JoinHandle, Spawn, SpawnBlocking, Timeout, Timer};
use crate::{block_on_policy, watchdog_hook};

use self::keeper::{Keeper, THREAD_NAME};
use self::repoll::Repoll;

/// How long the runtime's threads get when the last clone is dropped (the pending tasks are
/// cancelled at once; this bounds the wait for blocking closures that are still running).
const DROP_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

/// A runtime on threads of its own, for a synchronous API over async code: its
/// [`run`](RuntimeThread::run) works from any thread, inside async code too.
///
/// [`block_on`](crate::block_on) rightly refuses to block an executor thread. A library
/// whose sync methods are `block_on` of its async ones therefore breaks as soon as a user
/// calls them from async code, and hand-written versions (a thread, a runtime, channels)
/// break when the client sits in a `static` or is dropped inside a runtime. A
/// `RuntimeThread` is that plumbing, done once:
///
/// - [`run`](RuntimeThread::run) takes any future (no `'static`, no `Send`), polls it on the
///   calling thread inside this runtime's context and returns its output, while the
///   runtime's reactor, timers and spawned tasks run on its own threads. It may be called
///   from a plain thread, a tokio worker (multi-thread or current-thread), a smol or
///   async-std task, another `run`, a `Drop` impl, a `static`, and from many threads at once.
///   It blocks the calling thread, as any sync call does: on a tokio multi-thread worker it
///   blocks inside `block_in_place`, so the worker's other tasks move to another thread;
///   elsewhere it blocks the thread (the [watchdog](crate#blocking-inside-a-task), when on, reports it
///   when that thread is an executor's).
/// - The free functions ([`spawn`](crate::spawn), [`sleep`](crate::sleep), …) inside `run`,
///   and the tasks spawned onto it, use this runtime.
/// - It is [`Clone`] (clones share the runtime), [`Send`] and [`Sync`], and a
///   [`Runtime`](crate::Runtime): generic code takes it like any other.
/// - Dropping the last clone, anywhere (inside async code too), never waits: its own thread
///   shuts the runtime down, cancelling the pending tasks and giving blocking closures that
///   still run at most one second. [`shutdown_timeout`](RuntimeThread::shutdown_timeout)
///   waits for that, with a bound of your choice. One in a `static` (a `LazyLock`) is never
///   dropped, and needs not be: its threads never hold up the process's exit.
///
/// The runtime is one of the default backend ([`RuntimeThread::new`]: tokio, then smol,
/// then async-std) or one given (`RuntimeThread::from(Tokio::current_thread())`, for each
/// backend). Its threads, and the thread it keeps, are named `async-bridge-runtime-thread`:
///
/// | backend | the runtime of [`RuntimeThread::new`] |
/// | --- | --- |
/// | tokio | a new multi-thread runtime with one worker (I/O and timers on) |
/// | smol | a dedicated executor on one thread |
/// | async-std | async-std's global runtime, shared with the process (async-std has no other): dropping the last clone cancels nothing |
///
/// A given tokio current-thread runtime that the `Tokio` value owns is driven by the
/// `RuntimeThread`'s own thread; a borrowed one (`Tokio::current()` in a current-thread
/// `#[tokio::main]`) progresses only while its owner drives it, so `run` on the owner's
/// thread panics (it could only deadlock). A given runtime's threads keep their names.
///
/// A task spawned onto a `RuntimeThread` that holds a clone of it keeps the runtime alive:
/// it is shut down only once such tasks end.
///
/// # Panics inside
///
/// A panic inside the future of `run` resumes on the caller with its original payload (the
/// future is dropped first). With `panic = "abort"` there is nothing to resume: the
/// process aborts, as it would anywhere.
///
/// # Examples
///
/// A blocking client over an async one, callable from sync and async code alike:
///
/// ```
/// use async_bridge::RuntimeThread;
///
/// struct Client; // an async client
/// impl Client {
///     async fn get(&self, key: &str) -> String {
///         async_bridge::sleep(std::time::Duration::from_millis(1)).await;
///         format!("value of {key}")
///     }
/// }
///
/// struct BlockingClient {
///     inner: Client,
///     rt: RuntimeThread,
/// }
/// impl BlockingClient {
///     fn get(&self, key: &str) -> String {
///         self.rt.run(self.inner.get(key)) // borrows `self` and `key`: no 'static needed
///     }
/// }
///
/// let client = BlockingClient { inner: Client, rt: RuntimeThread::shared().clone() };
/// assert_eq!(client.get("a"), "value of a");
///
/// // Also from inside async code, where `block_on` would refuse.
/// let from_async = async_bridge::block_on(async { client.get("b") });
/// assert_eq!(from_async, "value of b");
/// ```
#[derive(Clone)]
pub struct RuntimeThread {
    inner: Arc<Inner>,
}

struct Inner {
    /// The runtime; taken when the last clone goes, and handed to the keeper.
    rt: Option<AmbientRuntime>,
    keeper: Keeper,
}

impl RuntimeThread {
    /// Starts a runtime of the default backend on threads of its own (see the table in
    /// [`RuntimeThread`]'s docs).
    ///
    /// # Panics
    ///
    /// Panics if the runtime or its thread cannot be started (the process is out of
    /// threads or file descriptors). To share one runtime instead of starting one per use,
    /// clone one, or use [`RuntimeThread::shared`].
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::RuntimeThread;
    ///
    /// let rt = RuntimeThread::new();
    /// assert_eq!(rt.run(async { 40 + 2 }), 42);
    /// ```
    #[track_caller]
    pub fn new() -> Self {
        Self::start(AmbientRuntime::on_own_threads(THREAD_NAME))
    }

    /// The process-wide `RuntimeThread` (of the default backend), started on first use:
    /// the one the twins that [`#[async_bridge::blocking]`](crate::blocking) generates use
    /// unless given another. It lives for the process.
    ///
    /// # Panics
    ///
    /// On first use, as [`RuntimeThread::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::RuntimeThread;
    ///
    /// let a = RuntimeThread::shared();
    /// let b = RuntimeThread::shared().clone(); // the same runtime
    /// assert_eq!(a.run(async { 1 }) + b.run(async { 2 }), 3);
    /// ```
    pub fn shared() -> &'static RuntimeThread {
        static SHARED: LazyLock<RuntimeThread> = LazyLock::new(RuntimeThread::new);
        &SHARED
    }

    #[track_caller]
    fn start(rt: AmbientRuntime) -> Self {
        let keeper = Keeper::start(&rt);
        RuntimeThread {
            inner: Arc::new(Inner {
                rt: Some(rt),
                keeper,
            }),
        }
    }

    #[inline]
    fn runtime(&self) -> &AmbientRuntime {
        match &self.inner.rt {
            Some(rt) => rt,
            None => unreachable!(
                "async-bridge: a RuntimeThread's runtime is taken only by its last drop"
            ),
        }
    }

    /// Drives `future` to completion on the calling thread inside this runtime's context,
    /// and returns its output; callable from any thread, inside async code too.
    ///
    /// The future may borrow (no `'static`) and need not be `Send`: it is polled on the
    /// calling thread, which stays blocked until the future has finished, or has been
    /// dropped by a panic. The runtime's reactor and timers run on its own threads
    /// meanwhile, and the free functions inside the future use this runtime. On a tokio
    /// multi-thread worker the call blocks inside `block_in_place`; elsewhere it blocks the
    /// calling thread, like any sync call.
    ///
    /// # Panics
    ///
    /// If `future` panics, the panic resumes here with its original payload.
    ///
    /// Panics, before polling anything, when called from a thread that polls this very
    /// runtime's tasks with no other thread to hand them to: a task of a smol executor with
    /// one thread (a dedicated one, or smol's global one with `SMOL_THREADS` unset or 1), or
    /// the thread that drives a tokio current-thread runtime. There the call could only
    /// deadlock, since the runtime needs that thread to finish the future. Such code is
    /// already inside the runtime: `.await` the future. On a tokio multi-thread runtime the
    /// call blocks in place and works. async-std's runtime runs on several threads that take
    /// over one another's tasks; with `ASYNC_STD_THREAD_COUNT=1`, or with all of them blocked
    /// in `run`, a future that waits on async-std tasks cannot finish (async-std cannot tell).
    ///
    /// On a tokio current-thread scheduler's thread, tokio defers some wake-ups
    /// (`tokio::task::yield_now`) to that scheduler, which `run` keeps from running: there the
    /// future is also polled every millisecond while it is pending. And the future is polled
    /// outside the cooperative budget of the tokio task that called `run`. Both need tokio in
    /// async-bridge's build (the feature `tokio` or `tokio-context`): without it, a smol or
    /// async-std `run` called from a tokio task cannot ask tokio, and a future inside that
    /// uses tokio's runtime-independent parts (`tokio::sync` past 128 operations,
    /// `tokio::task::yield_now`) can spin or wait forever. Enable `tokio-context` then.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::RuntimeThread;
    ///
    /// let rt = RuntimeThread::new();
    /// let text = String::from("borrowed, not moved");
    /// let len = rt.run(async { text.len() }); // borrows `text`
    /// assert_eq!(len, 19);
    ///
    /// // From a task of another runtime, where `block_on` refuses:
    /// let nested = async_bridge::block_on(async_bridge::spawn(async move {
    ///     rt.run(async { async_bridge::sleep(std::time::Duration::from_millis(1)).await; 7 })
    /// }));
    /// assert_eq!(nested.unwrap(), 7);
    /// ```
    #[track_caller]
    #[inline]
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        let rt = self.runtime();
        let future = watchdog_hook::block_on_future(future, Location::caller());
        block_on_policy::run_anywhere(|in_async| {
            // Only a thread in an async context can be one of the runtime's own: a plain
            // thread (the common case) skips the check.
            if in_async && (self.inner.keeper.is_this_thread() || rt.polls_own_tasks_here()) {
                own_thread(rt.flavor());
            }
            // Like a blocking closure: this thread is blocked for the call, so a `run` or
            // `block_on` inside may block it further.
            let _context = context::enter(ThreadContext::Blocking(rt.flavor()));
            if in_async && rt::defers_wakeups() {
                // A wake-up deferred to this thread's scheduler would never come.
                return rt.run_raw(Repoll::new(future, rt), true);
            }
            rt.run_raw(future, in_async)
        })
    }

    /// Spawns `future` onto this runtime, as [`Spawn::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::RuntimeThread;
    ///
    /// let rt = RuntimeThread::new();
    /// let task = rt.spawn(async { "spawned" });
    /// assert_eq!(rt.run(task).unwrap(), "spawned");
    /// ```
    #[track_caller]
    #[inline]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Spawn::spawn_with_meta(self.runtime(), future, TaskMeta::caller())
    }

    /// Runs `f` on this runtime's blocking pool, as [`SpawnBlocking::spawn_blocking`].
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::RuntimeThread;
    ///
    /// let rt = RuntimeThread::new();
    /// let task = rt.spawn_blocking(|| std::thread::current().name().is_some());
    /// assert!(rt.run(task).unwrap());
    /// ```
    #[track_caller]
    #[inline]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        SpawnBlocking::spawn_blocking_with_meta(self.runtime(), f, TaskMeta::caller())
    }

    /// Drops this clone; if it is the last, shuts the runtime down (pending tasks are
    /// cancelled) and waits at most `timeout` for it. Returns whether the runtime has shut
    /// down, its threads included, within `timeout`: `false` if other clones remain (then
    /// nothing is shut down) or if a blocking closure or a stuck task held it up longer
    /// (then the runtime finishes shutting down in the background; a closure that never
    /// returns keeps its thread).
    ///
    /// It blocks the calling thread, at most `timeout`, as any sync call does (on a tokio
    /// multi-thread worker, inside `block_in_place`). Called from a task of its own runtime
    /// that the shutdown needs (smol's one thread, a tokio current-thread runtime's), it
    /// starts the shutdown and returns `false` at once. A runtime it does not own
    /// (async-std's global one, a borrowed tokio runtime, smol's global executor) is not shut
    /// down: `false`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use async_bridge::RuntimeThread;
    ///
    /// let rt = RuntimeThread::new();
    /// rt.spawn(std::future::pending::<()>()).detach();
    /// // Another clone remains: nothing is shut down.
    /// assert!(!rt.clone().shutdown_timeout(Duration::from_secs(5)));
    /// // The last one: the pending task is cancelled, and `true` once the runtime's threads
    /// // have ended (on async-std, whose one runtime is global and never shut down: `false`).
    /// let stopped = rt.shutdown_timeout(Duration::from_secs(5));
    /// # let _ = stopped;
    /// ```
    pub fn shutdown_timeout(self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let Some(mut inner) = Arc::into_inner(self.inner) else {
            return false;
        };
        let Some(rt) = inner.rt.take() else {
            return false;
        };
        // On a thread the shutdown needs (the one that drives the runtime, or its only
        // thread), waiting could only wait out the time: the shutdown goes on without it.
        let own = inner.keeper.is_this_thread() || rt.polls_own_tasks_here();
        inner.keeper.stop(rt, timeout);
        if own {
            return false;
        }
        block_on_policy::run_anywhere(|_| inner.keeper.wait_done(deadline))
    }
}

/// `run` on a thread its own runtime needs.
#[cold]
#[inline(never)]
#[track_caller]
fn own_thread(flavor: Flavor) -> ! {
    panic!(
        "RuntimeThread::run called from a task of that RuntimeThread's own runtime ({}): \
         blocking this thread would stop the runtime that must finish the future, so the \
         call could only deadlock. This code already runs on that runtime: `.await` the \
         future instead, or call `run` from a plain thread or a `spawn_blocking` closure",
        flavor.describe()
    )
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            self.keeper.stop(rt, DROP_SHUTDOWN_TIMEOUT);
        }
    }
}

impl Default for RuntimeThread {
    /// A new runtime, as [`RuntimeThread::new`].
    #[track_caller]
    fn default() -> Self {
        RuntimeThread::new()
    }
}

impl fmt::Debug for RuntimeThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeThread")
            .field("runtime", &self.runtime().flavor().describe())
            .field("clones", &Arc::strong_count(&self.inner))
            .finish()
    }
}

/// `RuntimeThread::from(rt)` for every backend of the list.
macro_rules! from_backends {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        $(
            #[cfg(feature = $feature)]
            impl From<crate::rt::$module::$ty> for RuntimeThread {
                #[doc = concat!(
                    "A `RuntimeThread` over a runtime of ", $name, " that the application ",
                    "chose (clones of `rt` share it). A tokio current-thread runtime that it ",
                    "owns is driven by the `RuntimeThread`'s own thread.\n\n# Panics\n\n",
                    "If the `RuntimeThread`'s thread cannot be started."
                )]
                #[track_caller]
                fn from(rt: crate::rt::$module::$ty) -> Self {
                    RuntimeThread::start(rt.into_ambient())
                }
            }
        )*
    };
}
crate::__async_bridge_backends!(from_backends);

/// `block_on` is [`run`](RuntimeThread::run): it never refuses.
impl BlockOn for RuntimeThread {
    /// [`RuntimeThread::run`]: callable from any thread.
    #[track_caller]
    #[inline]
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.run(future)
    }

    /// `Ok` of [`RuntimeThread::run`]: it never refuses.
    #[track_caller]
    #[inline]
    fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, BlockOnError> {
        Ok(self.run(future))
    }
}

impl Spawn for RuntimeThread {
    #[track_caller]
    #[inline]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Spawn::spawn_with_meta(self.runtime(), future, TaskMeta::caller())
    }

    #[inline]
    fn spawn_with_meta<F>(&self, future: F, meta: TaskMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Spawn::spawn_with_meta(self.runtime(), future, meta)
    }
}

impl SpawnBlocking for RuntimeThread {
    #[track_caller]
    #[inline]
    fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        SpawnBlocking::spawn_blocking_with_meta(self.runtime(), f, TaskMeta::caller())
    }

    #[inline]
    fn spawn_blocking_with_meta<F, R>(&self, f: F, meta: TaskMeta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        SpawnBlocking::spawn_blocking_with_meta(self.runtime(), f, meta)
    }
}

impl Timer for RuntimeThread {
    #[inline]
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
        Timer::sleep(self.runtime(), duration)
    }

    /// The backend's timeout: its timer made only when `future` is first found pending.
    #[inline]
    fn timeout<F: Future>(
        &self,
        duration: Duration,
        future: F,
    ) -> Timeout<F, impl Future<Output = ()> + Send + 'static + use<F>> {
        Timer::timeout(self.runtime(), duration, future)
    }
}
