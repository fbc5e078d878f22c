//! The smol backend: smol's global executor, or a dedicated one (`executor.rs`).

mod executor;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use crate::context::{self, Flavor, ThreadContext};
use crate::rt::async_task::{AsyncTask, End, TaskHandle};
use crate::rt::backend::Backend;
use crate::rt::in_tokio::{in_tokio, in_tokio_fn, unbudgeted};
use crate::rt::io_timer::IoTimer;
use crate::task::meta::TaskMeta;
use crate::task::wrapper;

use self::executor::{Dedicated, set_dedicated};

/// The smol backend: smol's global executor ([`Smol::default`]), or a dedicated executor
/// with threads of its own ([`Smol::with_threads`]), built on the same `async-task` tasks.
///
/// smol's own `Task` cancels when dropped; async-bridge's [`JoinHandle`](crate::JoinHandle) detaches instead
/// (the same on every backend), and [`JoinHandle::abort`](crate::JoinHandle::abort) cancels.
///
/// The global executor runs on `SMOL_THREADS` threads (default: one), started on first
/// spawn; a task that blocks its thread there holds up every other task. A dedicated
/// executor runs on as many threads as asked. `spawn_blocking` uses the process-wide
/// `blocking` pool on both (size: `BLOCKING_MAX_THREADS`, default 500), shared with
/// async-std.
///
/// Dropping the last clone of a dedicated `Smol` stops its threads and cancels its pending
/// tasks, without waiting for them; it never blocks. Every pending task is cancelled, also
/// one woken at that moment from another thread (a timer, a channel): its future is dropped
/// on one of the executor's threads, and its `JoinHandle` resolves as cancelled. (On
/// `async_executor::Executor` such a wake-up can race the executor's drop and leave the task
/// neither run nor cancelled, its `JoinHandle` pending forever: that is why the dedicated
/// executor is async-bridge's own.) A task that holds a clone of its own executor's `Smol`
/// keeps that executor alive.
///
/// # Examples
///
/// ```
/// use async_bridge::{BlockOn, Smol, Spawn};
///
/// let rt = Smol::default();
/// assert_eq!(rt.block_on(rt.spawn(async { 2 + 2 })).unwrap(), 4);
/// ```
#[derive(Clone, Default)]
pub struct Smol {
    dedicated: Option<Arc<Dedicated>>,
}

impl Smol {
    /// smol's global executor (the same as [`Smol::default`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{BlockOn, Smol};
    ///
    /// assert_eq!(Smol::global().block_on(async { 1 }), 1);
    /// ```
    pub fn global() -> Self {
        Smol { dedicated: None }
    }

    /// A dedicated executor running on `threads` threads of its own, owned by the returned
    /// value and its clones.
    ///
    /// # Panics
    ///
    /// Panics if `threads` is 0 (nothing would run its tasks), or if a thread cannot be
    /// started.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::{BlockOn, Smol, Spawn};
    ///
    /// let rt = Smol::with_threads(2);
    /// let handles: Vec<_> = (0..4).map(|i| rt.spawn(async move { i * 10 })).collect();
    /// let sum: i32 = rt.block_on(async {
    ///     let mut sum = 0;
    ///     for h in handles {
    ///         sum += h.await.unwrap();
    ///     }
    ///     sum
    /// });
    /// assert_eq!(sum, 60);
    /// ```
    #[track_caller]
    pub fn with_threads(threads: usize) -> Self {
        assert!(
            threads > 0,
            "Smol::with_threads(0): a dedicated executor needs at least one thread; pass 1 or \
             more, or use Smol::global()"
        );
        let dedicated = Dedicated::start(threads, "async-bridge-smol");
        Smol {
            dedicated: Some(dedicated),
        }
    }

    fn weak(&self) -> Option<Weak<Dedicated>> {
        self.dedicated.as_ref().map(Arc::downgrade)
    }
}

impl fmt::Debug for Smol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dedicated {
            None => f.debug_struct("Smol").field("executor", &"global").finish(),
            Some(d) => f
                .debug_struct("Smol")
                .field("executor", &"dedicated")
                .field("threads", &d.threads)
                .finish(),
        }
    }
}

/// `async_io::block_on`, with a fast path in front: the future is first polled here, and
/// polled again while it wakes itself (at most `FAST_POLLS` times). A future that
/// completes there never pays for `async_io::block_on` (which counts itself in and out with
/// two `SeqCst` atomics and unparks the "async-io" thread on every call). One that stays
/// pending goes on in `async_io::block_on`, which parks and drives the reactor while it
/// waits.
///
/// Every poll of one `block_on` gets the same waker, the calling thread's [`Blocker`]: a
/// wake-up sets its flag (which the fast path reads), and, once the slow path waits, is
/// passed on to `async_io::block_on`'s own waker. So a future that keeps the waker of its
/// first poll only (the contract says the latest, but every native `block_on` completes
/// such a future) is woken too, from any thread.
#[inline]
fn block_on_fast<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    // The thread's blocker, by reference (no clone per call); during the thread's teardown
    // (a `block_on` in a thread-local's destructor) it is gone: one of its own then.
    match BLOCKER.try_with(|blocker| drive(blocker, future.as_mut())) {
        Ok(output) => output,
        Err(_) => drive_at_teardown(future),
    }
}

/// [`drive`] with a blocker of its own, for a `block_on` during the thread's teardown.
#[cold]
#[inline(never)]
fn drive_at_teardown<F: Future>(future: std::pin::Pin<&mut F>) -> F::Output {
    drive(&Blocker::new_for_thread(), future)
}

/// [`block_on_fast`] with the thread's blocker.
#[inline]
fn drive<F: Future>(blocker: &Blocker, mut future: std::pin::Pin<&mut F>) -> F::Output {
    use std::task::{Context, Poll};

    /// Polls a `block_on` makes before the slow path; more only help futures that wake
    /// themselves over and over, which `async_io::block_on` serves as well.
    const FAST_POLLS: usize = 8;

    let mut cx = Context::from_waker(&blocker.waker);
    for _ in 0..FAST_POLLS {
        blocker.state.woken.store(false, Ordering::Relaxed);
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        if !blocker.state.woken.load(Ordering::Relaxed) {
            break;
        }
    }
    blocker.state.wait(|| future.as_mut().poll(&mut cx))
}

thread_local! {
    /// The waker of this thread's `block_on`s (made on the thread's first `block_on`).
    static BLOCKER: Blocker = Blocker::new_for_thread();
}

/// The waker every poll of a smol `block_on` on this thread gets, and its state.
#[derive(Clone)]
struct Blocker {
    state: Arc<BlockerState>,
    waker: std::task::Waker,
}

/// What a wake-up of a [`Blocker`] does: set `woken`, and wake the slow path's waker
/// while it waits.
#[derive(Default)]
struct BlockerState {
    /// A wake-up since the last poll began.
    woken: AtomicBool,
    /// Whether `forward` may hold a waker (read without the lock on every wake-up).
    waiting: AtomicBool,
    /// `async_io::block_on`'s waker while the slow path waits.
    forward: Mutex<Option<std::task::Waker>>,
}

impl Blocker {
    fn new_for_thread() -> Self {
        let state = Arc::new(BlockerState::default());
        Blocker {
            waker: std::task::Waker::from(state.clone()),
            state,
        }
    }
}

impl BlockerState {
    fn forward(&self) -> MutexGuard<'_, Option<std::task::Waker>> {
        self.forward.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `async_io::block_on` of `poll` (which polls with this blocker's waker); before each
    /// poll, `async_io::block_on`'s waker becomes the one this blocker's wake-ups go on to.
    fn wait<T>(&self, mut poll: impl FnMut() -> std::task::Poll<T>) -> T {
        // A `block_on` nested inside one of this thread's (only a runtime that is not
        // async-bridge's can do it): the outer one's waker is put back afterwards.
        let _restore = RestoreOuter {
            state: self,
            outer: self.forward().take(),
        };
        self.waiting.store(true, Ordering::SeqCst);
        async_io::block_on(std::future::poll_fn(|cx| {
            {
                let mut forward = self.forward();
                match &*forward {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => *forward = Some(cx.waker().clone()),
                }
            }
            poll()
        }))
    }
}

/// Puts the outer `block_on`'s waker back when a nested one ends, also when it unwinds (a
/// panic the outer future catches: its wake-ups must reach it again).
struct RestoreOuter<'a> {
    state: &'a BlockerState,
    outer: Option<std::task::Waker>,
}

impl Drop for RestoreOuter<'_> {
    fn drop(&mut self) {
        let outer = self.outer.take();
        let restored = outer.is_some();
        if let Some(outer) = &outer {
            // It may have missed a wake-up while the inner one waited.
            outer.wake_by_ref();
        }
        *self.state.forward() = outer;
        self.state.waiting.store(restored, Ordering::SeqCst);
    }
}

impl std::task::Wake for BlockerState {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if self.waiting.load(Ordering::Acquire) {
            if let Some(waker) = &*self.forward() {
                waker.wake_by_ref();
            }
        }
    }
}

/// An async-bridge task on smol: its result in an [`Outcome`](crate::panic::Outcome).
type SmolTask = AsyncTask<{ Flavor::Smol as u8 }>;

impl Backend for Smol {
    type Handle<T> = TaskHandle<async_task::FallibleTask<crate::panic::Outcome<T>>>;
    type Cold<T> = End<crate::panic::Outcome<T>>;
    type Sleep = IoTimer;

    #[inline]
    fn flavor(&self) -> Flavor {
        Flavor::Smol
    }

    #[inline]
    fn block_on_raw<F: Future>(&self, future: F) -> F::Output {
        let _context = context::enter(ThreadContext::BlockOn(Flavor::Smol));
        let _current = self.dedicated.is_some().then(|| set_dedicated(self.weak()));
        block_on_fast(in_tokio(future))
    }

    /// smol's `block_on` runs anywhere (nested inside a smol task too): the reactor runs on
    /// the "async-io" thread, or on whichever thread waits in `async_io::block_on`. Outside
    /// the cooperative budget of a tokio task this thread may be polling.
    #[inline]
    fn run_raw<F: Future>(&self, future: F, in_async: bool) -> F::Output {
        // Also for the global executor, in an async context: the free functions inside must
        // not find a dedicated executor this thread is in (only an async context can be).
        let _current = (self.dedicated.is_some() || in_async).then(|| set_dedicated(self.weak()));
        if in_async {
            block_on_fast(unbudgeted(in_tokio(future)))
        } else {
            block_on_fast(in_tokio(future))
        }
    }

    /// A dedicated executor on one thread named `name`.
    #[track_caller]
    fn on_own_threads(name: &'static str) -> Self {
        Smol {
            dedicated: Some(Dedicated::start(1, name)),
        }
    }

    /// A dedicated executor whose last owner this is: stopped, its threads given `timeout`.
    fn shut_down(self, timeout: Duration) -> bool {
        match self.dedicated.and_then(Arc::into_inner) {
            Some(dedicated) => dedicated.shut_down(timeout),
            None => false,
        }
    }

    /// On the one thread of this executor (with more, the others run its tasks meanwhile).
    /// A dedicated executor's worker threads are marked; smol's global executor's threads
    /// are not, so there it is a thread polling one of its tasks, when `SMOL_THREADS` leaves
    /// it one thread (its default).
    fn polls_own_tasks_here(&self) -> bool {
        match &self.dedicated {
            Some(ours) => ours.threads == 1 && executor::is_worker_of(ours),
            None => {
                context::innermost() == ThreadContext::Task(Flavor::Smol)
                    && executor::of_this_thread().is_none()
                    && std::env::var("SMOL_THREADS")
                        .ok()
                        .and_then(|n| n.parse::<usize>().ok())
                        .is_none_or(|n| n <= 1)
            }
        }
    }

    #[inline]
    fn spawn_raw<F>(&self, future: F, meta: &TaskMeta) -> Self::Handle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let future = wrapper::Task::<_, SmolTask>::new(in_tokio(future), meta);
        let task = match &self.dedicated {
            None => smol::spawn(future),
            Some(d) => d.spawn(future),
        };
        TaskHandle::new(task.fallible())
    }

    fn spawn_blocking_raw<F, R>(&self, f: F) -> Self::Handle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let f = wrapper::blocking(in_tokio_fn(f), Flavor::Smol);
        let task = match self.weak() {
            None => blocking::unblock(f),
            Some(weak) => blocking::unblock(move || {
                let _current = set_dedicated(Some(weak));
                f()
            }),
        };
        TaskHandle::new(task.fallible())
    }

    #[inline]
    fn sleep_raw(&self, duration: Duration) -> IoTimer {
        IoTimer::after(duration)
    }

    #[inline]
    fn deadline_raw(&self, duration: Duration) -> IoTimer {
        IoTimer::deadline(duration)
    }

    /// The executor the calling thread belongs to: a dedicated one on its threads, inside
    /// its `block_on` and its blocking closures; else the global one.
    #[inline]
    fn of_context(_: Flavor) -> Option<Self> {
        Some(Smol {
            dedicated: executor::of_this_thread(),
        })
    }

    #[inline]
    fn global() -> &'static Self {
        static GLOBAL: Smol = Smol { dedicated: None };
        &GLOBAL
    }

    fn test_runtime(_: Flavor, _: Option<usize>) -> Self {
        Smol::global()
    }
}
