//! The join handle of the backends built on async-task (and of async-std's, alike), with
//! async-bridge's semantics: drop detaches, `abort(&self)` cancels, output kept when the
//! task finished first.
//!
//! async-task's handles cancel with `async fn cancel(self)`, which consumes the handle.
//! `abort(&self)` therefore moves the handle into that cancellation future, polls it once
//! (that marks the task cancelled at once) and keeps it for the awaiter. Only the abort
//! path allocates (the boxed cancellation); spawning allocates nothing beyond the runtime's
//! own task. The states other than `Native` are boxed, so that the handle stays small:
//! it is moved on every spawn and polled on every await.

use std::future::Future;
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll, Waker, ready};

use pin_project_lite::pin_project;

use crate::context::{Flavor, ThreadContext};
use crate::panic::{Outcome, Payload};
use crate::rt::backend::RawJoin;
use crate::sync::{Mutex, MutexGuard};
use crate::task::join_error::JoinError;
use crate::task::meta::TaskMeta;
use crate::task::wrapper::TaskRules;

/// What the backends' native handles offer.
pub(crate) trait NativeTask: Unpin + Sized {
    type Output;
    /// Where the handle keeps the awaiter's waker while the task runs: `()` for a handle
    /// that tells when its task has finished, `Option<Waker>` for one that can only poll.
    type Slot: WakerSlot;
    /// `Ready(None)` when the task was cancelled.
    fn poll_task(&mut self, cx: &mut Context<'_>) -> Poll<Option<Self::Output>>;
    /// Lets the task run to completion.
    fn detach(self);
    /// Whether the runtime tells, without a poll, that the task has finished. Then
    /// `is_finished` asks it, and the handle does not keep the awaiter's waker while the
    /// task runs (a clone and a drop per pending poll, on the awaiter's task header); a
    /// handle that can only poll keeps it, so that polling through `&self` puts the
    /// awaiter's registration back.
    const TELLS_FINISHED: bool = false;
    /// Meaningful only where `TELLS_FINISHED`.
    fn finished(&self) -> bool {
        false
    }
}

/// Cancellation, for handles whose output can cross threads.
pub(crate) trait Cancel: NativeTask {
    /// async-task's `cancel(self)`: resolves to the output if the task had finished.
    fn cancel(self) -> impl Future<Output = Option<Self::Output>> + Send + 'static;
}

/// The awaiter's waker, kept or not (see [`NativeTask::Slot`]).
pub(crate) trait WakerSlot: Default {
    /// Whether it keeps the waker: it must, exactly for the handles that cannot tell when
    /// their task has finished (`TaskHandle::new` checks it at compile time).
    const KEEPS: bool;
    /// Keeps the waker of a poll that returned `Pending`.
    fn remember(&mut self, cx: &Context<'_>);
    /// The kept waker.
    fn get(&self) -> Option<&Waker>;
    fn take(&mut self) -> Option<Waker>;
}

impl WakerSlot for () {
    const KEEPS: bool = false;

    #[inline]
    fn remember(&mut self, _: &Context<'_>) {}

    #[inline]
    fn get(&self) -> Option<&Waker> {
        None
    }

    #[inline]
    fn take(&mut self) -> Option<Waker> {
        None
    }
}

impl WakerSlot for Option<Waker> {
    const KEEPS: bool = true;

    #[inline]
    fn remember(&mut self, cx: &Context<'_>) {
        match self {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *self = Some(cx.waker().clone()),
        }
    }

    #[inline]
    fn get(&self) -> Option<&Waker> {
        self.as_ref()
    }

    #[inline]
    fn take(&mut self) -> Option<Waker> {
        Option::take(self)
    }
}

impl<T> NativeTask for async_task::FallibleTask<T> {
    type Output = T;
    type Slot = ();

    #[inline]
    fn poll_task(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(self).poll(cx)
    }

    fn detach(self) {
        async_task::FallibleTask::detach(self);
    }

    const TELLS_FINISHED: bool = true;

    #[inline]
    fn finished(&self) -> bool {
        self.is_finished()
    }
}

impl<T: Send + 'static> Cancel for async_task::FallibleTask<T> {
    fn cancel(self) -> impl Future<Output = Option<T>> + Send + 'static {
        async_task::FallibleTask::cancel(self)
    }
}

/// The rules of async-bridge's tasks on an executor that does not catch panics (async-task's,
/// and async-std's), for the flavour whose discriminant is `FLAVOR`: the result is stored in
/// an [`Outcome`], which also catches a panic of the output's destructor when the runtime
/// drops a detached task's output (async-task would abort the process).
pub(crate) struct AsyncTask<const FLAVOR: u8>;

impl<const FLAVOR: u8> TaskRules for AsyncTask<FLAVOR> {
    const CONTEXT: ThreadContext = ThreadContext::Task(match Flavor::from_bits(FLAVOR) {
        Some(flavor) => flavor,
        None => panic!("AsyncTask<FLAVOR> names a flavour by its discriminant"),
    });
    const RUNTIME_CATCHES: bool = false;
    type Output<T> = Outcome<T>;

    #[inline]
    fn output<T>(result: Result<T, Payload>) -> Outcome<T> {
        Outcome::new(result)
    }
}

/// What the awaiter of an async-task handle gets: the stored outcome (`None`: cancelled).
#[inline]
fn join_result<T>(out: Option<Outcome<T>>, meta: &TaskMeta) -> Result<T, JoinError> {
    match out {
        Some(outcome) => outcome
            .into_result()
            .map_err(|payload| JoinError::panic(payload, meta)),
        None => Err(JoinError::cancelled(meta)),
    }
}

impl<T, N> RawJoin<T> for TaskHandle<N>
where
    T: Send + 'static,
    N: Cancel<Output = Outcome<T>>,
{
    #[inline(always)]
    fn poll_join(&mut self, cx: &mut Context<'_>, meta: &TaskMeta) -> Poll<Result<T, JoinError>> {
        self.poll(cx).map(|out| join_result(out, meta))
    }

    #[inline]
    fn abort(&self) {
        TaskHandle::abort(self);
    }

    #[inline]
    fn is_finished(&self) -> bool {
        TaskHandle::is_finished(self)
    }
}

pub(crate) struct TaskHandle<N: NativeTask> {
    state: Mutex<State<N>>,
}

enum State<N: NativeTask> {
    /// The native handle while the task runs (or finished, not yet awaited); once the
    /// awaiter has taken the output, from it or from a settled state, `Detach(None)`.
    Native {
        task: Detach<N>,
        /// The waker of the last poll that returned `Pending`, so that `abort` and
        /// `is_finished`, which poll through `&self`, keep the awaiter's registration.
        waker: N::Slot,
    },
    Cancelling(Pin<Box<dyn Cancelling<N::Output>>>),
    /// Settled by `abort` or `is_finished`, not yet taken by the awaiter (`None`:
    /// cancelled, which allocates nothing).
    Settled(Option<Box<N::Output>>),
}

impl<N: NativeTask> State<N> {
    /// The awaiter has the output.
    fn taken() -> Self {
        State::Native {
            task: Detach(None),
            waker: N::Slot::default(),
        }
    }
}

/// The native handle of a task that the handle's drop lets run (detaches), or `None` once
/// the awaiter has the output: the completing poll detached the finished task's handle
/// right away. (`None` is the handle's niche: no extra byte.) The
/// state's drop glue does the detaching, so `TaskHandle` needs no `Drop` of its own.
struct Detach<N: NativeTask>(Option<N>);

impl<N: NativeTask> Drop for Detach<N> {
    #[inline]
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.detach();
        }
    }
}

/// A cancellation in progress, with the awaiter's waker: one allocation.
trait Cancelling<T>: Send {
    /// The awaiter's poll: keeps its waker.
    fn poll_awaiter(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>>;
    /// A poll through `&self` (`abort`, `is_finished`), with the kept waker; `Ready` hands
    /// that waker over, to be woken once the state is settled.
    fn poll_kept(self: Pin<&mut Self>) -> Poll<(Option<T>, Option<Waker>)>;
}

pin_project! {
    struct CancelState<F> {
        waker: Option<Waker>,
        #[pin]
        cancel: F,
    }
}

impl<T, F: Future<Output = Option<T>> + Send> Cancelling<T> for CancelState<F> {
    fn poll_awaiter(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.project();
        let polled = this.cancel.poll(cx);
        if polled.is_pending() {
            this.waker.remember(cx);
        }
        polled
    }

    fn poll_kept(self: Pin<&mut Self>) -> Poll<(Option<T>, Option<Waker>)> {
        let this = self.project();
        let out = ready!(poll_as_awaiter(this.waker.as_ref(), |cx| this
            .cancel
            .poll(cx)));
        Poll::Ready((out, this.waker.take()))
    }
}

/// Polls through `&self` with the awaiter's `waker`, or a no-op one when there is none yet,
/// so that the poll does not take the awaiter's registration away.
fn poll_as_awaiter<R>(
    waker: Option<&Waker>,
    poll: impl FnOnce(&mut Context<'_>) -> Poll<R>,
) -> Poll<R> {
    poll(&mut Context::from_waker(waker.unwrap_or(Waker::noop())))
}

impl<N: NativeTask> TaskHandle<N> {
    #[inline]
    pub(crate) fn new(task: N) -> Self {
        // A handle that polls through `&self` to tell `is_finished` must keep the awaiter's
        // waker, or that poll would take the awaiter's registration away.
        const {
            assert!(
                N::TELLS_FINISHED != N::Slot::KEEPS,
                "a native handle keeps the awaiter's waker exactly when it cannot tell that its task finished"
            )
        };
        TaskHandle {
            state: Mutex::new(State::Native {
                task: Detach(Some(task)),
                waker: N::Slot::default(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<N>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Ready(None)` when the task was cancelled.
    #[inline(always)]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<N::Output>> {
        // `&mut self`: no lock needed.
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        let State::Native {
            task: Detach(slot),
            waker,
        } = state
        else {
            return self.poll_cold(cx);
        };
        let Some(task) = slot else {
            return self.poll_cold(cx);
        };
        match task.poll_task(cx) {
            Poll::Pending => {
                waker.remember(cx);
                Poll::Pending
            }
            Poll::Ready(out) => {
                // Finished: its handle goes now. Detached rather than dropped: a drop
                // would first try to cancel what has already finished.
                if let Some(task) = slot.take() {
                    task.detach();
                }
                if N::Slot::KEEPS {
                    drop(waker.take());
                }
                Poll::Ready(out)
            }
        }
    }

    /// After `abort` or `is_finished` settled the state, or once the output was taken:
    /// out of the hot path.
    #[cold]
    #[inline(never)]
    fn poll_cold(&mut self, cx: &mut Context<'_>) -> Poll<Option<N::Output>> {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        let polled = match state {
            State::Native { task, .. } => {
                debug_assert!(
                    task.0.is_none(),
                    "async-bridge bug: a held native handle reached the cold path"
                );
                panic!("`JoinHandle` polled after it returned `Ready`; await a handle only once")
            }
            State::Cancelling(cancel) => ready!(cancel.as_mut().poll_awaiter(cx)),
            State::Settled(out) => out.take().map(|out| *out),
        };
        *state = State::taken();
        Poll::Ready(polled)
    }

    pub(crate) fn abort(&self)
    where
        N: Cancel,
        N::Output: Send + 'static,
    {
        let mut state = self.lock();
        // Not running, or already awaited: nothing to cancel.
        let State::Native {
            task: Detach(slot),
            waker,
        } = &mut *state
        else {
            return;
        };
        let Some(task) = slot.take() else {
            return;
        };
        let mut cancel: Pin<Box<dyn Cancelling<N::Output>>> = Box::pin(CancelState {
            waker: waker.take(),
            cancel: task.cancel(),
        });
        // The first poll marks the task cancelled. Poll with the awaiter's waker, so the
        // awaiter hears when the cancellation completes. (Where the handle keeps no waker,
        // async-task wakes the awaiter itself when it marks the task cancelled, and the
        // awaiter's next poll registers it with the cancellation.)
        match cancel.as_mut().poll_kept() {
            Poll::Ready((out, waker)) => store_settled(state, out, waker),
            Poll::Pending => *state = State::Cancelling(cancel),
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        let mut state = self.lock();
        let (out, waker) = match &mut *state {
            State::Native {
                task: Detach(None), ..
            } => return true,
            State::Native {
                task: Detach(Some(task)),
                ..
            } if N::TELLS_FINISHED => return task.finished(),
            State::Native {
                task: Detach(Some(task)),
                waker,
            } => match poll_as_awaiter(waker.get(), |cx| task.poll_task(cx)) {
                Poll::Ready(out) => (out, waker.take()),
                Poll::Pending => return false,
            },
            State::Cancelling(cancel) => match cancel.as_mut().poll_kept() {
                Poll::Ready(settled) => settled,
                Poll::Pending => return false,
            },
            State::Settled(_) => return true,
        };
        // The awaiter may be waiting for exactly the wake-up our poll consumed: pass it on.
        store_settled(state, out, waker);
        true
    }
}

/// Settles `state` with the task's output (`None`: cancelled), then wakes the awaiter.
fn store_settled<N: NativeTask>(
    mut state: MutexGuard<'_, State<N>>,
    out: Option<N::Output>,
    waker: Option<Waker>,
) {
    *state = State::Settled(out.map(Box::new));
    drop(state);
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// Models of the state machine against a task that runs on another thread, under every
/// interleaving loom finds: `RUSTFLAGS="--cfg async_bridge_loom" cargo test --release
/// --features smol --lib loom` (see RELIABILITY.md).
#[cfg(all(test, async_bridge_loom))]
mod loom_model {
    use std::future::Future;
    use std::task::{Context, Poll, Wake, Waker};

    use loom::sync::atomic::{AtomicBool, AtomicUsize};
    use loom::sync::{Arc, Mutex};
    use loom::thread;

    use super::{Cancel, NativeTask, TaskHandle};
    use crate::sync::Ordering;
    use crate::sync::loom_support::{Out, model};

    /// async-task's task, as seen from its handle: `cancel` closes a task that has not
    /// completed; a task closed while being polled drops the output of that poll; the
    /// awaiter is woken when the task completes or its future is dropped.
    #[derive(Default)]
    struct Task {
        closed: bool,
        running: bool,
        output: Option<Out>,
        completed: bool,
        awaiter: Option<Waker>,
    }

    struct Shared {
        task: Mutex<Task>,
        drops: Arc<AtomicUsize>,
        produced: AtomicUsize,
    }

    impl Shared {
        /// The executor polls the task once; it completes in that poll unless closed.
        fn run(&self) {
            {
                let mut task = self.task.lock().unwrap();
                if task.closed {
                    // The future is dropped unpolled.
                    let waker = task.awaiter.take();
                    drop(task);
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                    return;
                }
                task.running = true;
            }
            let out = Out(self.drops.clone());
            self.produced.fetch_add(1, Ordering::SeqCst);
            let mut task = self.task.lock().unwrap();
            task.running = false;
            task.completed = true;
            if !task.closed {
                task.output = Some(out);
            } else {
                drop(out);
            }
            let waker = task.awaiter.take();
            drop(task);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    struct Mock(Arc<Shared>);

    impl NativeTask for Mock {
        type Output = Out;
        type Slot = Option<Waker>;

        fn poll_task(&mut self, cx: &mut Context<'_>) -> Poll<Option<Out>> {
            let mut task = self.0.task.lock().unwrap();
            if let Some(out) = task.output.take() {
                task.closed = true;
                return Poll::Ready(Some(out));
            }
            if task.closed && !task.running {
                return Poll::Ready(None);
            }
            task.awaiter = Some(cx.waker().clone());
            Poll::Pending
        }

        fn detach(self) {}
    }

    impl Cancel for Mock {
        fn cancel(self) -> impl Future<Output = Option<Out>> + Send + 'static {
            let mut mock = self;
            {
                let mut task = mock.0.task.lock().unwrap();
                if !task.completed {
                    task.closed = true;
                }
            }
            std::future::poll_fn(move |cx| mock.poll_task(cx))
        }
    }

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// The awaiter polls once (pending), then the task runs on one thread while `abort`
    /// (and, with `checker`, `is_finished`) run on others. Checks: the awaiter is woken,
    /// the handle then resolves, its output is kept when the task completed before `abort`
    /// began, and every output produced is dropped exactly once.
    fn race(checker: bool) {
        model(move || {
            let shared = Arc::new(Shared {
                task: Mutex::new(Task::default()),
                drops: Arc::new(AtomicUsize::new(0)),
                produced: AtomicUsize::new(0),
            });
            let mut handle = TaskHandle::new(Mock(shared.clone()));
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            assert!(handle.poll(&mut Context::from_waker(&waker)).is_pending());
            let handle = Arc::new(handle);

            let executor = {
                let shared = shared.clone();
                thread::spawn(move || shared.run())
            };
            let aborter = {
                let (shared, handle) = (shared.clone(), handle.clone());
                thread::spawn(move || {
                    let completed_first = shared.task.lock().unwrap().completed;
                    handle.abort();
                    completed_first
                })
            };
            let checker = checker.then(|| {
                let handle = handle.clone();
                thread::spawn(move || handle.is_finished())
            });
            executor.join().unwrap();
            let completed_first = aborter.join().unwrap();
            if let Some(checker) = checker {
                checker.join().unwrap();
            }
            let mut handle = Arc::try_unwrap(handle).unwrap_or_else(|_| unreachable!());

            assert!(
                flag.0.load(Ordering::SeqCst),
                "lost wake-up: the awaiter was never woken"
            );
            let noop = Waker::noop();
            let out = match handle.poll(&mut Context::from_waker(noop)) {
                Poll::Ready(out) => out,
                Poll::Pending => panic!("the handle of a finished task is still pending"),
            };
            if completed_first {
                assert!(
                    out.is_some(),
                    "the output of a task that finished first was lost"
                );
            }
            drop(out);
            drop(handle);
            assert_eq!(
                shared.drops.load(Ordering::SeqCst),
                shared.produced.load(Ordering::SeqCst),
                "every output produced is dropped exactly once"
            );
        });
    }

    #[test]
    fn loom_abort_races_completion() {
        race(false);
    }

    #[test]
    fn loom_abort_and_is_finished_race_completion() {
        race(true);
    }
}
