//! The thread a [`RuntimeThread`](crate::RuntimeThread) keeps: it drives the runtime where
//! one must be driven (an owned tokio current-thread runtime), and it shuts the runtime down
//! when the last clone goes, so that a drop never waits and never runs the runtime's
//! shutdown (its tasks' destructors) on the dropping thread.

use std::cell::Cell;
use std::future::poll_fn;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

use crate::ambient::AmbientRuntime;
use crate::rt::Backend;

/// The name of every thread a `RuntimeThread` starts (its keeper, and its runtime's threads
/// where async-bridge starts them).
pub(crate) const THREAD_NAME: &str = "async-bridge-runtime-thread";

/// The keeper of one runtime: what the `RuntimeThread` and its keeper thread share.
pub(crate) struct Keeper {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The runtime to shut down, and how long its threads may take: set once, by the last
    /// clone's drop or by `shutdown_timeout`.
    stop: Option<(AmbientRuntime, Duration)>,
    /// Whether `stop` was ever set (it is taken by the keeper).
    stopping: bool,
    /// The keeper's waker while it drives the runtime.
    waker: Option<Waker>,
    /// The keeper has shut the runtime down (or given up on it).
    done: bool,
    /// Whether the runtime's threads ended within their time.
    stopped: bool,
}

thread_local! {
    /// The keeper whose thread this is (its address), or 0.
    static KEEPER_OF: Cell<usize> = const { Cell::new(0) };
}

impl Keeper {
    /// Starts the keeper thread of `rt`.
    ///
    /// # Panics
    ///
    /// If the thread cannot be started.
    #[track_caller]
    pub(crate) fn start(rt: &AmbientRuntime) -> Keeper {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let driven = rt.needs_driver().then(|| rt.clone());
        let theirs = shared.clone();
        let spawned = thread::Builder::new()
            .name(THREAD_NAME.to_owned())
            .spawn(move || keep(&theirs, driven));
        if let Err(err) = spawned {
            panic!(
                "async-bridge could not start the thread of a RuntimeThread: {err}; check the \
                 process's thread limits, or share one RuntimeThread (RuntimeThread::shared())"
            );
        }
        Keeper { shared }
    }

    /// Whether the calling thread is this keeper's (the thread that drives its runtime).
    #[inline]
    pub(crate) fn is_this_thread(&self) -> bool {
        KEEPER_OF.with(Cell::get) == self.id()
    }

    fn id(&self) -> usize {
        Arc::as_ptr(&self.shared) as usize
    }

    /// Hands `rt` to the keeper thread, which shuts it down giving its threads at most
    /// `timeout`. Never waits.
    pub(crate) fn stop(&self, rt: AmbientRuntime, timeout: Duration) {
        let waker = {
            let mut state = self.shared.lock();
            state.stop = Some((rt, timeout));
            state.stopping = true;
            state.waker.take()
        };
        self.shared.changed.notify_all();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Waits until the keeper has shut the runtime down, at most until `deadline`; whether
    /// the runtime, its threads included, has shut down by then.
    pub(crate) fn wait_done(&self, deadline: Instant) -> bool {
        let mut state = self.shared.lock();
        while !state.done {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.stopped
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The keeper thread: drive the runtime if it needs it, until asked to stop; then shut it
/// down.
fn keep(shared: &Arc<Shared>, driven: Option<AmbientRuntime>) {
    KEEPER_OF.with(|k| k.set(Arc::as_ptr(shared) as usize));
    // A panic out of the driven runtime (tokio's unstable `unhandled_panic` setting) ends
    // the driving, not the keeper: the shutdown still happens here, and is reported.
    if let Some(rt) = driven {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on_raw(poll_fn(|cx| {
                let mut state = shared.lock();
                if state.stopping {
                    Poll::Ready(())
                } else {
                    state.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }));
        }));
    }
    let mut state = shared.lock();
    while !state.stopping {
        state = shared
            .changed
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
    }
    let stop = state.stop.take();
    drop(state);
    let stopped = match stop {
        Some((rt, timeout)) => catch_unwind(AssertUnwindSafe(|| rt.shut_down(timeout))).unwrap_or(false),
        None => false,
    };
    let mut state = shared.lock();
    state.stopped = stopped;
    state.done = true;
    drop(state);
    shared.changed.notify_all();
}
