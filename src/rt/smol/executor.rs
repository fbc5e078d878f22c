//! smol's dedicated executor, for [`Smol::with_threads`](super::Smol::with_threads):
//! async-task tasks on a run queue of async-bridge's own, run by threads of its own, with a
//! live-task set so that its drop cancels every pending task.
//!
//! (`async_executor::Executor`'s drop races a wake-up from another thread: the task was
//! left neither run nor cancelled and its `JoinHandle` pending forever; RELIABILITY.md.)

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll, Waker};
use std::thread;

use async_task::Runnable;
use slab::Slab;

/// A dedicated executor: `threads` threads running the tasks of one queue.
pub(super) struct Dedicated {
    queue: Queue,
    pub(super) threads: usize,
    /// The worker threads, for a shutdown that waits for them.
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
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
    pub(super) fn spawn<F>(&self, future: F) -> async_task::Task<F::Output>
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
            // The task wrapper catches the task's panics; this catches a bug in async-bridge
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
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
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

/// Restores the thread's previous dedicated executor when dropped.
pub(super) struct SetDedicated(Option<Option<Weak<Dedicated>>>);

/// Makes `weak` the executor of this thread until the guard is dropped (nothing during the
/// thread's teardown, once the thread-local is gone).
pub(super) fn set_dedicated(weak: Option<Weak<Dedicated>>) -> SetDedicated {
    SetDedicated(DEDICATED.try_with(|d| d.replace(weak)).ok())
}

impl Drop for SetDedicated {
    fn drop(&mut self) {
        if let Some(prev) = self.0.take() {
            let _ = DEDICATED.try_with(|d| *d.borrow_mut() = prev);
        }
    }
}

thread_local! {
    /// The dedicated executor whose worker thread this is (its address), or 0.
    static WORKER_OF: Cell<usize> = const { Cell::new(0) };
}

/// Whether this thread is one of `dedicated`'s worker threads.
pub(super) fn is_worker_of(dedicated: &Arc<Dedicated>) -> bool {
    WORKER_OF.with(Cell::get) == Arc::as_ptr(dedicated) as usize
}

/// The dedicated executor of the calling thread (its threads, its `block_on`, its blocking
/// closures), if it is still alive.
pub(super) fn of_this_thread() -> Option<Arc<Dedicated>> {
    DEDICATED
        .try_with(|d| d.borrow().as_ref().and_then(Weak::upgrade))
        .ok()
        .flatten()
}

impl Dedicated {
    /// Starts an executor on `threads` threads (at least one), named `{name}-{i}`.
    ///
    /// # Panics
    ///
    /// If a thread cannot be started.
    #[track_caller]
    pub(super) fn start(threads: usize, name: &str) -> Arc<Dedicated> {
        let queue = Queue::new();
        let dedicated = Arc::new(Dedicated {
            queue: queue.clone(),
            threads,
            workers: Mutex::new(Vec::with_capacity(threads)),
        });
        for i in 0..threads {
            let queue = queue.clone();
            let weak = Arc::downgrade(&dedicated);
            let spawned = thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    WORKER_OF.with(|w| w.set(weak.as_ptr() as usize));
                    let _current = set_dedicated(Some(weak));
                    // `async_io::block_on` drives the reactor (I/O, timers) while idle.
                    async_io::block_on(queue.work());
                });
            match spawned {
                Ok(worker) => dedicated
                    .workers
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(worker),
                Err(err) => panic!(
                    "async-bridge could not start a thread for Smol::with_threads: {err}; \
                     check the process's thread limits or ask for fewer threads"
                ),
            }
        }
        dedicated
    }

    /// Stops the executor (its drop) and waits at most `timeout` for its threads to end:
    /// whether they did.
    pub(super) fn shut_down(self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let workers = std::mem::take(
            &mut *self.workers.lock().unwrap_or_else(PoisonError::into_inner),
        );
        drop(self);
        loop {
            if workers.iter().all(thread::JoinHandle::is_finished) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Spawns `future` on this executor.
    pub(super) fn spawn<F>(&self, future: F) -> async_task::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.queue.spawn(future)
    }
}
