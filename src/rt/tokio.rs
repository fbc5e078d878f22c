//! The tokio backend.

use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime as TokioRuntime, RuntimeFlavor};

use crate::context::{self, Flavor, ThreadContext};
use crate::panic::{Payload, discard};
use crate::rt::abort_flag;
use crate::rt::tokio_probe::drives_scheduler;
use crate::rt::tokio_sleep::TokioSleep;
use crate::rt::backend::{Backend, Left, RawJoin};
use crate::task::join_error::JoinError;
use crate::task::meta::TaskMeta;
use crate::task::wrapper::{self, TaskRules};

/// The tokio backend: a [`tokio::runtime::Handle`], optionally owning its runtime.
///
/// - [`Tokio::new`] (also [`Default`]) and [`Tokio::multi_thread`] own a new multi-thread
///   runtime; [`Tokio::current_thread`] owns a new current-thread one. Clones share it;
///   dropping the last clone shuts it down with `shutdown_background`: pending tasks are
///   cancelled (their handles yield [`JoinError::is_cancelled`]), and the drop never panics
///   and never waits, also inside async code (where dropping a tokio `Runtime` panics
///   natively) and while a blocking closure is stuck.
/// - [`Tokio::current`], [`Tokio::try_current`] and [`Tokio::from_handle`] borrow a runtime
///   the application already has (`#[tokio::main]` users keep theirs); dropping them never
///   shuts anything down.
///
/// Spawning goes through the held handle, so it works from any thread, also outside the
/// runtime. The blocking pool is the runtime's own (`max_blocking_threads`).
///
/// A task's panic reaches its [`JoinHandle`](crate::JoinHandle) as a [`JoinError`] through tokio's own
/// `JoinError`, which tokio makes (it catches the panics of polls and of the destructors it
/// runs), so a task costs what a native one does. On a runtime built with tokio's unstable
/// `unhandled_panic(UnhandledPanic::ShutdownRuntime)`, a panicking task therefore shuts that
/// runtime down, as tokio documents for that setting.
///
/// # Current-thread runtimes
///
/// A current-thread runtime runs its tasks and timers only while a thread drives it in
/// [`block_on`](crate::BlockOn::block_on) (tokio's own model). So `block_on` inside one of its
/// tasks or inside its `block_on` is refused (there is no other thread to hand the work
/// to), and a task spawned from another thread runs once someone drives the runtime. On a
/// borrowed current-thread runtime, `block_on` polls with its handle entered, which cannot
/// drive the runtime's I/O and timers (as [`Handle::block_on`] cannot): they progress only
/// while its owner drives it.
///
/// # Examples
///
/// ```
/// use async_bridge::{BlockOn, Spawn, Tokio};
///
/// let rt = Tokio::new();
/// let out = rt.block_on(async { rt.spawn(async { 1 + 1 }).await.unwrap() });
/// assert_eq!(out, 2);
/// ```
#[derive(Clone)]
pub struct Tokio {
    handle: Handle,
    flavor: Flavor,
    owner: Option<Arc<Owner>>,
}

/// The runtime a `Tokio` owns; shut down without waiting when the last clone goes.
struct Owner {
    runtime: Option<TokioRuntime>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn flavor_of(handle: &Handle) -> Flavor {
    match handle.runtime_flavor() {
        RuntimeFlavor::MultiThread => Flavor::TokioMultiThread,
        // Current-thread, and any flavour tokio adds later: the strict rules.
        _ => Flavor::TokioCurrentThread,
    }
}

impl Tokio {
    /// Starts a new multi-thread runtime, owned by the returned value and its clones, with
    /// one worker per core and all drivers (I/O, time) enabled.
    ///
    /// # Panics
    ///
    /// Panics if the runtime cannot start (the process is out of threads or file
    /// descriptors). Build it yourself and pass it to [`Tokio::from_runtime`] to handle that
    /// error.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{BlockOn, Tokio};
    ///
    /// assert_eq!(Tokio::new().block_on(async { 7 }), 7);
    /// ```
    #[track_caller]
    pub fn new() -> Self {
        Self::build(Builder::new_multi_thread().enable_all())
    }

    /// Starts a new multi-thread runtime with `workers` worker threads.
    ///
    /// # Panics
    ///
    /// Panics if `workers` is 0 (a multi-thread runtime needs a worker: use
    /// [`Tokio::current_thread`] for none), or if the runtime cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{BlockOn, Tokio};
    ///
    /// let rt = Tokio::multi_thread(2);
    /// assert_eq!(rt.block_on(async { "two workers" }), "two workers");
    /// ```
    #[track_caller]
    pub fn multi_thread(workers: usize) -> Self {
        assert!(
            workers > 0,
            "Tokio::multi_thread(0): a multi-thread runtime needs at least one worker; \
             pass 1 or more, or use Tokio::current_thread()"
        );
        Self::build(
            Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_all(),
        )
    }

    /// Starts a new current-thread runtime: tasks run on the thread that calls
    /// [`block_on`](crate::BlockOn::block_on), while it does. See
    /// ["Current-thread runtimes"](Tokio#current-thread-runtimes).
    ///
    /// # Panics
    ///
    /// Panics if the runtime cannot start.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{BlockOn, Spawn, Tokio};
    ///
    /// let rt = Tokio::current_thread();
    /// let task = rt.spawn(async { "ran inside block_on" });
    /// assert_eq!(rt.block_on(task).unwrap(), "ran inside block_on");
    /// ```
    #[track_caller]
    pub fn current_thread() -> Self {
        Self::build(Builder::new_current_thread().enable_all())
    }

    #[track_caller]
    fn build(builder: &mut Builder) -> Self {
        Self::build_named(builder, "async-bridge-tokio")
    }

    #[track_caller]
    fn build_named(builder: &mut Builder, name: &'static str) -> Self {
        match builder.thread_name(name).build() {
            Ok(runtime) => Self::from_runtime(runtime),
            Err(err) => panic!(
                "async-bridge could not start a tokio runtime: {err}; check the process's \
                 thread and file-descriptor limits, or build the runtime yourself and pass it \
                 to Tokio::from_runtime"
            ),
        }
    }

    /// Takes ownership of a runtime the application built (with its own settings).
    /// Dropping the last clone shuts it down like one from [`Tokio::new`].
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{BlockOn, Tokio};
    ///
    /// let runtime = tokio::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .enable_all()
    ///     .build()?;
    /// let rt = Tokio::from_runtime(runtime);
    /// assert_eq!(rt.block_on(async { 1 }), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_runtime(runtime: TokioRuntime) -> Self {
        let handle = runtime.handle().clone();
        Tokio {
            flavor: flavor_of(&handle),
            handle,
            owner: Some(Arc::new(Owner {
                runtime: Some(runtime),
            })),
        }
    }

    /// Borrows the tokio runtime the calling thread is in (a `#[tokio::main]` body, a tokio
    /// task, a thread inside [`Handle::enter`]).
    ///
    /// # Panics
    ///
    /// Panics outside a tokio runtime; [`Tokio::try_current`] returns `None` there instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{Spawn, Tokio};
    ///
    /// #[tokio::main]
    /// async fn main() {
    ///     let rt = Tokio::current(); // the #[tokio::main] runtime
    ///     assert_eq!(rt.spawn(async { 3 }).await.unwrap(), 3);
    /// }
    /// ```
    #[track_caller]
    pub fn current() -> Self {
        match Self::try_current() {
            Some(rt) => rt,
            None => panic!(
                "Tokio::current() called outside a tokio runtime; call it from inside \
                 `#[tokio::main]` or a tokio task, use Tokio::try_current() to check, or start \
                 a runtime with Tokio::new()"
            ),
        }
    }

    /// Borrows the tokio runtime the calling thread is in, or `None` outside one.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::Tokio;
    ///
    /// assert!(Tokio::try_current().is_none());
    /// let rt = tokio::runtime::Runtime::new()?;
    /// let _inside = rt.enter();
    /// assert!(Tokio::try_current().is_some());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_current() -> Option<Self> {
        Handle::try_current().ok().map(Self::from_handle)
    }

    /// Borrows the runtime behind `handle`. Dropping the value never shuts it down.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{BlockOn, Tokio};
    ///
    /// let runtime = tokio::runtime::Runtime::new()?;
    /// let rt = Tokio::from_handle(runtime.handle().clone());
    /// assert_eq!(rt.block_on(async { 5 }), 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_handle(handle: Handle) -> Self {
        Tokio {
            flavor: flavor_of(&handle),
            handle,
            owner: None,
        }
    }

    /// Drives `future` on this thread with the handle entered and `futures_lite`'s parker
    /// (`block_on` of all but an owned current-thread runtime, and `RuntimeThread::run`),
    /// outside any cooperative budget if `unbudgeted`. Entered for the whole call, the
    /// future's drop included (also on unwind: the future is declared after the guard, so it
    /// drops first); nothing else runs on this thread meanwhile, so every guard entered
    /// inside is released inside.
    #[inline]
    fn poll_entered<F: Future>(&self, future: F, unbudgeted: bool) -> F::Output {
        let _enter = self.handle.enter();
        if unbudgeted {
            futures_lite::future::block_on(tokio::task::unconstrained(future))
        } else {
            futures_lite::future::block_on(future)
        }
    }

    /// The tokio handle, for tokio-specific APIs.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::Tokio;
    ///
    /// let rt = Tokio::current_thread();
    /// assert_eq!(rt.handle().runtime_flavor(), tokio::runtime::RuntimeFlavor::CurrentThread);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Default for Tokio {
    /// A new owned multi-thread runtime, as [`Tokio::new`].
    fn default() -> Self {
        Tokio::new()
    }
}

impl fmt::Debug for Tokio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokio")
            .field("flavor", &self.flavor.describe())
            .field("owned", &self.owner.is_some())
            .finish()
    }
}

#[cold]
fn foreign_context_in(handle: Handle) -> ThreadContext {
    match flavor_of(&handle) {
        // `block_in_place` handles every thread of a multi-thread runtime: it moves a
        // worker's tasks away, and just runs the closure on a thread that only entered.
        Flavor::TokioMultiThread => ThreadContext::Foreign(Flavor::TokioMultiThread),
        flavor if drives_scheduler() => ThreadContext::Foreign(flavor),
        // A thread that only entered the runtime (a blocking thread, `Handle::enter`).
        _ => ThreadContext::None,
    }
}

/// `future` driven on this thread during its teardown (a `RuntimeThread::run` in a
/// thread-local's destructor), where tokio's context and `futures_lite`'s cached parker are
/// gone: with a parker of its own, outside any tokio context (there is none to enter).
#[cold]
#[inline(never)]
fn block_on_at_teardown<F: Future>(future: F) -> F::Output {
    use std::sync::{Condvar, Mutex, PoisonError};

    #[derive(Default)]
    struct Signal {
        woken: Mutex<bool>,
        changed: Condvar,
    }
    impl Wake for Signal {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            *self.woken.lock().unwrap_or_else(PoisonError::into_inner) = true;
            self.changed.notify_one();
        }
    }
    let signal = Arc::new(Signal::default());
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        let mut woken = signal.woken.lock().unwrap_or_else(PoisonError::into_inner);
        while !*woken {
            woken = signal
                .changed
                .wait(woken)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *woken = false;
    }
}

impl Backend for Tokio {
    type Handle<T> = TokioHandle<T>;
    type Cold<T> = Aborted;
    type Sleep = TokioSleep;

    #[inline]
    fn flavor(&self) -> Flavor {
        self.flavor
    }

    #[inline]
    fn block_on_raw<F: Future>(&self, future: F) -> F::Output {
        let _context = context::enter(ThreadContext::BlockOn(self.flavor));
        match &self.owner {
            // Only `Runtime::block_on` drives a current-thread runtime's drivers.
            Some(owner) if self.flavor == Flavor::TokioCurrentThread => owner
                .runtime
                .as_ref()
                .expect("async-bridge: an owned tokio runtime is present until drop")
                .block_on(future),
            // What `Handle::block_on` does on a thread that is not a worker, less its "inside
            // a runtime" bookkeeping. Outside any budget: a thread the policy lets block may
            // still be inside tokio's own `Handle::block_on` (which polls under one).
            _ => self.poll_entered(future, true),
        }
    }

    /// Polls on this thread with the runtime's handle entered, never through tokio's own
    /// `block_on` (which panics on a thread inside a runtime): the runtime's threads turn
    /// its I/O and time drivers meanwhile. The future runs outside tokio's cooperative
    /// budget, which belongs to the task this thread may be polling (a tokio worker that
    /// called a sync API): counted against it, a tokio resource would return `Pending`
    /// with an immediate wake-up forever.
    fn run_raw<F: Future>(&self, future: F, in_async: bool) -> F::Output {
        if let Err(err) = Handle::try_current() {
            if err.is_thread_local_destroyed() {
                return block_on_at_teardown(future);
            }
        }
        self.poll_entered(future, in_async)
    }

    /// A multi-thread runtime with one worker (I/O and time enabled): the futures of
    /// `RuntimeThread::run` are polled on their callers' threads, so the worker serves the
    /// drivers and spawned tasks.
    #[track_caller]
    fn on_own_threads(name: &'static str) -> Self {
        Self::build_named(
            Builder::new_multi_thread().worker_threads(1).enable_all(),
            name,
        )
    }

    /// This thread runs this current-thread runtime's scheduler (a multi-thread runtime's
    /// worker blocks in place instead).
    fn polls_own_tasks_here(&self) -> bool {
        self.flavor == Flavor::TokioCurrentThread
            && Handle::try_current().is_ok_and(|current| current.id() == self.handle.id())
            && drives_scheduler()
    }

    /// Only `Runtime::block_on` drives an owned current-thread runtime.
    fn needs_driver(&self) -> bool {
        self.flavor == Flavor::TokioCurrentThread && self.owner.is_some()
    }

    /// tokio's `shutdown_timeout` returns early once the runtime's threads are gone.
    fn shut_down(self, timeout: Duration) -> bool {
        let runtime = self
            .owner
            .and_then(Arc::into_inner)
            .and_then(|mut owner| owner.runtime.take());
        match runtime {
            Some(runtime) => {
                let start = std::time::Instant::now();
                runtime.shutdown_timeout(timeout);
                start.elapsed() < timeout
            }
            None => false,
        }
    }

    #[inline]
    fn spawn_raw<F>(&self, future: F, meta: &TaskMeta) -> TokioHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = match self.flavor {
            Flavor::TokioMultiThread => self
                .handle
                .spawn(wrapper::Task::<_, TokioTask<true>>::new(future, meta)),
            _ => self
                .handle
                .spawn(wrapper::Task::<_, TokioTask<false>>::new(future, meta)),
        };
        TokioHandle::new(task)
    }

    #[inline]
    fn spawn_blocking_raw<F, R>(&self, f: F) -> TokioHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        TokioHandle::new(
            self.handle
                .spawn_blocking(wrapper::blocking_in_context(f, self.flavor)),
        )
    }

    #[inline]
    fn sleep_raw(&self, duration: Duration) -> TokioSleep {
        TokioSleep::after(&self.handle, duration)
    }

    #[inline(always)]
    fn deadline_raw(&self, duration: Duration) -> TokioSleep {
        TokioSleep::deadline(&self.handle, self.flavor, duration)
    }

    #[inline]
    fn of_context(_: Flavor) -> Option<Self> {
        Self::try_current()
    }

    /// A multi-thread runtime started on first use, alive for the process.
    #[inline]
    fn global() -> &'static Self {
        static GLOBAL: OnceLock<Tokio> = OnceLock::new();
        GLOBAL.get_or_init(Tokio::new)
    }

    fn test_runtime(flavor: Flavor, workers: Option<usize>) -> Self {
        match (flavor, workers) {
            (Flavor::TokioCurrentThread, _) => Tokio::current_thread(),
            (_, Some(workers)) => Tokio::multi_thread(workers),
            (_, None) => Tokio::new(),
        }
    }

    #[inline]
    fn ambient() -> Option<Self> {
        Self::try_current()
    }

    /// Whether this thread is in a tokio runtime (a task, a `block_on`, an `enter`).
    #[inline]
    fn in_foreign_runtime() -> bool {
        crate::rt::tokio_probe::in_runtime()
    }

    #[inline]
    fn foreign_context() -> ThreadContext {
        let Ok(handle) = Handle::try_current() else {
            return ThreadContext::None;
        };
        foreign_context_in(handle)
    }

    /// A thread that runs a tokio scheduler holding its core (a current-thread runtime's;
    /// a multi-thread worker outside `block_in_place`).
    fn defers_wakeups() -> bool {
        crate::rt::tokio_probe::defers_wakeups()
    }

    fn block_in_place<R>(f: impl FnOnce() -> R) -> R {
        tokio::task::block_in_place(f)
    }
}

/// The kind of async-bridge's tokio tasks, on a multi-thread (`MULTI`) or current-thread
/// runtime: the output is stored as it is, and a panic goes on to tokio, which turns it
/// into its `JoinError` (whose payload becomes ours) and catches the panics of every
/// destructor it runs (a cancelled task's future, a detached task's output). The flavour is
/// the task's type, not a field of it: a tokio task is as large as a native one.
pub(crate) struct TokioTask<const MULTI: bool>;

impl<const MULTI: bool> TaskRules for TokioTask<MULTI> {
    const CONTEXT: ThreadContext = ThreadContext::Task(if MULTI {
        Flavor::TokioMultiThread
    } else {
        Flavor::TokioCurrentThread
    });
    const RUNTIME_CATCHES: bool = true;
    type Output<T> = T;

    #[inline]
    fn output<T>(result: Result<T, Payload>) -> T {
        match result {
            Ok(output) => output,
            // Caught for the watchdog: on to tokio.
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }
}

/// A tokio join handle with async-bridge's semantics. tokio already detaches on drop; what
/// it adds is the rule for `abort`: after it, the output is kept only if the task had
/// finished before the call, as on async-task (where a task aborted mid-run, or a started
/// blocking closure, runs to its end and its output is dropped). Natively tokio may still
/// return the output of a task that completed after `abort`, so an `abort` that came first
/// leaves [`Aborted`] in the handle's cold state. The handle is tokio's own: one pointer.
///
/// tokio stores the output as it is: it turns a panic of the task (or of a destructor it
/// runs) into its own `JoinError`, whose payload becomes ours.
pub(crate) struct TokioHandle<T> {
    task: tokio::task::JoinHandle<T>,
}

/// A tokio handle's cold state: `abort` came before the task finished, so whatever it
/// produces is dropped and the awaiter hears of a cancellation.
pub(crate) struct Aborted;

/// What the awaiter of a tokio task gets. After `abort`, whatever the task produced (an
/// output, or a panic of a poll that was running when `abort` came) is dropped and the
/// awaiter hears of a cancellation, as on every backend.
#[inline]
fn tokio_result<T>(
    res: Result<T, tokio::task::JoinError>,
    aborted: bool,
    meta: &TaskMeta,
) -> Result<T, JoinError> {
    match res {
        Ok(output) if !aborted => Ok(output),
        Err(err) if !aborted => Err(failed(err, meta)),
        res => Err(discarded(res, meta)),
    }
}

/// A task that panicked, or that tokio cancelled (its runtime shut down).
#[cold]
fn failed(err: tokio::task::JoinError, meta: &TaskMeta) -> JoinError {
    match err.try_into_panic() {
        Ok(payload) => JoinError::panic(payload, meta),
        Err(_) => JoinError::cancelled(meta),
    }
}

/// The result of an aborted task, dropped (a panicking destructor is caught).
#[cold]
fn discarded<T>(res: Result<T, tokio::task::JoinError>, meta: &TaskMeta) -> JoinError {
    discard(res);
    JoinError::cancelled(meta)
}

impl<T> TokioHandle<T> {
    #[inline]
    fn new(task: tokio::task::JoinHandle<T>) -> Self {
        TokioHandle { task }
    }
}

impl<T> RawJoin<T> for TokioHandle<T> {
    type Cold = Aborted;

    /// tokio's handle, polled again, panics with "`JoinHandle` polled after completion".
    const GOES_ON_READY: bool = false;

    #[inline]
    fn poll_join(
        &mut self,
        cx: &mut Context<'_>,
        meta: &TaskMeta,
        cold: Option<&Aborted>,
    ) -> Poll<Result<T, JoinError>> {
        Pin::new(&mut self.task)
            .poll(cx)
            .map(|res| tokio_result(res, cold.is_some(), meta))
    }

    fn abort(self) -> Left<Self, Aborted> {
        let mut cold = None;
        abort_flag::abort(
            || self.task.is_finished(),
            || cold = Some(Aborted),
            || self.task.abort(),
        );
        // tokio wakes the awaiter itself.
        Left {
            handle: Some(self),
            cold,
            waker: None,
        }
    }

    fn check_finished(self) -> (Left<Self, Aborted>, bool) {
        let finished = self.task.is_finished();
        (Left::handle(self), finished)
    }

    fn poll_cold(_: &mut Aborted, _: &mut Context<'_>, _: &TaskMeta) -> Poll<Result<T, JoinError>> {
        // Unreachable: tokio's handle stays (`GOES_ON_READY`), so its cold state is never
        // alone.
        panic!("`JoinHandle` polled after it returned `Ready`; await a handle only once")
    }

    fn abort_cold(_: &mut Aborted) -> Option<std::task::Waker> {
        None
    }

    fn is_finished_cold(_: &mut Aborted) -> (bool, Option<std::task::Waker>) {
        (true, None)
    }
}
