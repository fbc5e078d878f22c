//! The smol backend.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Poll, Waker};
use std::thread;
use std::time::Duration;

use async_task::Runnable;
use slab::Slab;

use crate::context::{self, Flavor};
use crate::hook;
use crate::rt::async_task::{AsyncTask, TaskHandle};
use crate::rt::{RawHandle, RawSleep};
use crate::task::TaskMeta;
use crate::wrap;
use crate::{BlockOn, BlockOnError, JoinHandle, Sleep, Spawn, SpawnBlocking, Timer};

/// The smol backend: smol's global executor ([`Smol::default`]), or a dedicated executor
/// with threads of its own ([`Smol::with_threads`]), built on the same `async-task` tasks.
///
/// smol's own `Task` cancels when dropped; async-bridge's [`JoinHandle`] detaches instead
/// (the same on every backend), and [`JoinHandle::abort`] cancels.
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

/// A dedicated executor: `threads` threads running the tasks of one queue.
struct Dedicated {
    queue: Queue,
    threads: usize,
}

/// The run queue of a dedicated executor, and the wakers of its live tasks.
///
/// Shutting down sets `stopping` and wakes every live task: each is scheduled into the
/// queue, which stays open, and the worker threads drop the tasks they receive instead of
/// running them, which cancels them, in a context of their own (never inside another
/// thread's wake-up, which may hold a lock the future's destructor needs). A task that was
/// running meanwhile is woken again by its worker right after its poll. When the last live
/// task is gone, the queue closes and the threads stop. So no task is ever left neither run
/// nor cancelled.
#[derive(Clone)]
struct Queue {
    receiver: async_channel::Receiver<Runnable>,
    shared: Arc<Shared>,
}

/// What every task of the executor refers to (one `Arc` per task, for its schedule
/// function and its `Unregister`).
struct Shared {
    sender: async_channel::Sender<Runnable>,
    live: Mutex<Live>,
    stopping: AtomicBool,
    /// Set by the shutdown: the first worker to receive a task after it wakes every live
    /// task (so the dropping thread does not).
    sweep: AtomicBool,
}

/// The wakers of the tasks not finished yet, to cancel them at shutdown.
#[derive(Default)]
struct Live {
    wakers: Slab<Waker>,
}

impl Queue {
    fn new() -> Self {
        let (sender, receiver) = async_channel::unbounded();
        Queue {
            receiver,
            shared: Arc::new(Shared {
                sender,
                live: Mutex::default(),
                stopping: AtomicBool::new(false),
                sweep: AtomicBool::new(false),
            }),
        }
    }

    /// Spawns `future` on this executor.
    fn spawn<F>(&self, future: F) -> async_task::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let mut live = self.shared.live();
        let index = live.wakers.vacant_key();
        let future = Unregister {
            future,
            shared: Some((self.shared.clone(), index)),
        };
        let shared = self.shared.clone();
        let (runnable, task) = async_task::spawn(future, move |runnable| {
            if let Err(refused) = shared.sender.try_send(runnable) {
                // Closed, which happens only once no task is live: unreachable in practice.
                // Never drop a task inside someone else's wake-up; let the blocking pool.
                let runnable = refused.into_inner();
                blocking::unblock(move || drop(runnable)).detach();
            }
        });
        live.wakers.insert(runnable.waker());
        drop(live);
        runnable.schedule();
        task
    }

    /// A worker thread's loop: runs tasks, or drops them once stopping, until the queue
    /// closes.
    async fn work(self) {
        let mut runs = 0_u32;
        while let Ok(runnable) = self.receiver.recv().await {
            if self.shared.stopping.load(Ordering::Acquire) {
                if self.shared.sweep.swap(false, Ordering::AcqRel) {
                    self.shared.wake_live();
                }
                drop(runnable);
                continue;
            }
            // `wrap::Task` catches the task's panics; this catches a bug in async-bridge
            // rather than lose the thread.
            let _ = catch_unwind(AssertUnwindSafe(|| runnable.run()));
            if self.shared.stopping.load(Ordering::Acquire) {
                // Stopping began during that poll: the task may have gone idle after the
                // shutdown woke it. Wake the live tasks again (each is dropped when received).
                self.shared.wake_live();
            }
            runs += 1;
            if runs.is_multiple_of(200) {
                // Let `async_io::block_on` drive the reactor now and then, as
                // `async_executor` does.
                futures_lite::future::yield_now().await;
            }
        }
    }
}

impl Shared {
    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every live task (outside the lock: a wake-up may run anything).
    fn wake_live(&self) {
        let wakers: Vec<Waker> = self.live().wakers.iter().map(|(_, w)| w.clone()).collect();
        for waker in wakers {
            waker.wake();
        }
    }
}

pin_project_lite::pin_project! {
    /// A task's future, which leaves the live set when it is dropped (completed or
    /// cancelled); the last one to leave once stopping closes the queue.
    struct Unregister<F> {
        #[pin]
        future: F,
        shared: Option<(Arc<Shared>, usize)>,
    }

    impl<F> PinnedDrop for Unregister<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some((shared, index)) = this.project().shared.take() {
                let waker = {
                    let mut live = shared.live();
                    let waker = live.wakers.try_remove(index);
                    if live.wakers.is_empty() && shared.stopping.load(Ordering::Acquire) {
                        shared.sender.close();
                    }
                    waker
                };
                drop(waker);
            }
        }
    }
}

impl<F: Future> Future for Unregister<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}

impl Drop for Dedicated {
    /// Never waits, and does O(1) work: it wakes one live task, and the worker that receives
    /// it wakes all the others; the threads drop them and stop.
    fn drop(&mut self) {
        let shared = &self.queue.shared;
        let first = {
            let live = shared.live();
            shared.sweep.store(true, Ordering::Release);
            shared.stopping.store(true, Ordering::Release);
            if live.wakers.is_empty() {
                shared.sender.close();
            }
            live.wakers.iter().next().map(|(_, waker)| waker.clone())
        };
        // Scheduled, queued, or running (then rescheduled when its poll ends, and its worker
        // sweeps): in every case a worker receives a task after this, or sweeps itself.
        if let Some(waker) = first {
            waker.wake();
        }
    }
}

thread_local! {
    /// The dedicated executor whose thread, `block_on` or blocking closure this is.
    static DEDICATED: RefCell<Option<Weak<Dedicated>>> = const { RefCell::new(None) };
}

struct SetDedicated(Option<Weak<Dedicated>>);

fn set_dedicated(weak: Option<Weak<Dedicated>>) -> SetDedicated {
    SetDedicated(DEDICATED.with(|d| d.replace(weak)))
}

impl Drop for SetDedicated {
    fn drop(&mut self) {
        let prev = self.0.take();
        DEDICATED.with(|d| *d.borrow_mut() = prev);
    }
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
        let queue = Queue::new();
        let dedicated = Arc::new(Dedicated {
            queue: queue.clone(),
            threads,
        });
        for i in 0..threads {
            let queue = queue.clone();
            let weak = Arc::downgrade(&dedicated);
            let spawned = thread::Builder::new()
                .name(format!("async-bridge-smol-{i}"))
                .spawn(move || {
                    let _current = set_dedicated(Some(weak));
                    // `async_io::block_on` drives the reactor (I/O, timers) while idle.
                    async_io::block_on(queue.work());
                });
            if let Err(err) = spawned {
                panic!(
                    "async-bridge could not start a thread for Smol::with_threads: {err}; \
                     check the process's thread limits or ask for fewer threads"
                );
            }
        }
        Smol {
            dedicated: Some(dedicated),
        }
    }

    /// The executor the calling thread belongs to: a dedicated one on its threads, inside
    /// its `block_on` and its blocking closures; else the global one.
    pub(crate) fn current() -> Self {
        Smol {
            dedicated: DEDICATED.with(|d| d.borrow().as_ref().and_then(Weak::upgrade)),
        }
    }

    fn weak(&self) -> Option<Weak<Dedicated>> {
        self.dedicated.as_ref().map(Arc::downgrade)
    }

    pub(crate) fn sleep_raw(&self, duration: Duration) -> Sleep {
        Sleep::new(RawSleep::AsyncIo {
            timer: async_io::Timer::after(duration),
        })
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

impl BlockOn for Smol {
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
        context::try_block_on(Flavor::Smol, || {
            let _context = context::enter(context::Context::BlockOn(Flavor::Smol));
            let _current = self.dedicated.is_some().then(|| set_dedicated(self.weak()));
            block_on_fast(future)
        })
    }
}

/// `async_io::block_on`, with a fast path in front: the future is first polled here, with a
/// waker that only records a wake-up, and polled again while it wakes itself (at most
/// [`FAST_POLLS`] times). A future that completes there never pays for `async_io::block_on`
/// (which counts itself in and out with two `SeqCst` atomics and unparks the "async-io"
/// thread on every call). One that stays pending goes on in `async_io::block_on`, which
/// polls it again at once with its own waker (the future contract: only the waker of the
/// latest poll is woken), parks, and drives the reactor while it waits.
fn block_on_fast<F: Future>(future: F) -> F::Output {
    use std::cell::Cell;
    use std::sync::LazyLock;
    use std::task::{Context, Poll, Wake, Waker};

    /// Polls a `block_on` makes before the slow path; more only help futures that wake
    /// themselves over and over, which `async_io::block_on` serves as well.
    const FAST_POLLS: usize = 8;

    thread_local! {
        /// Set by [`WAKER`] when woken on this thread.
        static WOKEN: Cell<bool> = const { Cell::new(false) };
    }
    /// One waker for every thread: a wake-up records itself on the waking thread, so a
    /// future that wakes itself inside its poll is seen; one woken from elsewhere is left
    /// to the slow path, which polls again anyway.
    struct Record;
    impl Wake for Record {
        fn wake(self: Arc<Self>) {
            WOKEN.set(true);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            WOKEN.set(true);
        }
    }
    static WAKER: LazyLock<Waker> = LazyLock::new(|| Waker::from(Arc::new(Record)));

    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(&WAKER);
    for _ in 0..FAST_POLLS {
        WOKEN.set(false);
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        if !WOKEN.get() {
            break;
        }
    }
    async_io::block_on(future)
}

impl Spawn for Smol {
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
        let future = wrap::Task::<_, AsyncTask<true>>::new(future, &meta);
        let task = match &self.dedicated {
            None => smol::spawn(future),
            Some(d) => d.queue.spawn(future),
        };
        JoinHandle::new(
            RawHandle::Task(TaskHandle::new(task.fallible()), Flavor::Smol),
            meta,
        )
    }
}

impl SpawnBlocking for Smol {
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
        let f = wrap::blocking(f, Flavor::Smol);
        let task = match self.weak() {
            None => blocking::unblock(f),
            Some(weak) => blocking::unblock(move || {
                let _current = set_dedicated(Some(weak));
                f()
            }),
        };
        JoinHandle::new(
            RawHandle::Task(TaskHandle::new(task.fallible()), Flavor::Smol),
            meta,
        )
    }
}

impl Timer for Smol {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
        self.sleep_raw(duration)
    }
}
