//! The join handle of the backends built on async-task (and of async-std's, alike), with
//! async-bridge's semantics: drop detaches, `abort(&self)` cancels, output kept when the
//! task finished first.
//!
//! async-task's handles cancel with `async fn cancel(self)`, which consumes the handle.
//! `abort` therefore moves the handle into that cancellation future, polls it once (that
//! marks the task cancelled at once) and keeps it for the awaiter. Only `abort`, and
//! `is_finished` on a handle that cannot tell without a poll (async-std's), allocate: the
//! task's end, boxed, and kept in `JoinHandle`'s second word with the task's meta
//! ([`MetaWord`](crate::task::meta_word::MetaWord)). Spawning allocates nothing beyond the
//! runtime's own task. The state has no lock of its own (`JoinHandle`'s `StripedMutex`
//! serves), so that the handle is one pointer on smol (and `JoinHandle` two): it is moved
//! on every spawn and polled on every await.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use pin_project_lite::pin_project;

use crate::context::{Flavor, ThreadContext};
use crate::panic::{Outcome, Payload};
use crate::rt::backend::{Left, RawJoin};
use crate::rt::detach::Detach;
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
    type Cold = End<Outcome<T>>;

    #[inline(always)]
    fn poll_join(
        &mut self,
        cx: &mut Context<'_>,
        meta: &TaskMeta,
        _: Option<&Self::Cold>,
    ) -> Poll<Result<T, JoinError>> {
        self.poll(cx).map(|out| join_result(out, meta))
    }

    /// Cancels the task: the handle moves into async-task's cancellation, kept as the
    /// cold state; the awaiter's waker is left to wake when the cancellation settled at once.
    fn abort(self) -> Left<Self, Self::Cold> {
        let TaskHandle { task, mut waker } = self;
        let mut end: Self::Cold = Box::pin(EndState {
            waker: waker.take(),
            phase: Phase::Cancelling {
                cancel: task.into_inner().cancel(),
            },
        });
        // The first poll marks the task cancelled. Poll with the awaiter's waker, so the
        // awaiter hears when the cancellation completes. (Where the handle keeps no waker,
        // async-task wakes the awaiter itself when it marks the task cancelled, and the
        // awaiter's next poll registers it with the cancellation.)
        let waker = match end.as_mut().poll_kept() {
            Poll::Ready(waker) => waker,
            Poll::Pending => None,
        };
        Left {
            handle: None,
            cold: Some(end),
            waker,
        }
    }

    /// Whether the task has finished. When this call settled the output (a runtime that
    /// cannot tell without a poll), the handle goes, its end is kept as the cold state, and
    /// the awaiter's waker is left to wake: the awaiter may be waiting for exactly the
    /// wake-up this poll consumed.
    fn check_finished(mut self) -> (Left<Self, Self::Cold>, bool) {
        if N::TELLS_FINISHED {
            let finished = self.task.get_mut().finished();
            return (Left::handle(self), finished);
        }
        let polled = poll_as_awaiter(self.waker.get(), |cx| self.task.get_mut().poll_task(cx));
        match polled {
            Poll::Pending => (Left::handle(self), false),
            Poll::Ready(out) => {
                let waker = self.waker.take();
                // Detaches the finished task.
                drop(self);
                let left = Left {
                    handle: None,
                    cold: Some(Box::pin(EndState::settled(out)) as Self::Cold),
                    waker,
                };
                (left, true)
            }
        }
    }

    fn poll_cold(
        cold: &mut Self::Cold,
        cx: &mut Context<'_>,
        meta: &TaskMeta,
    ) -> Poll<Result<T, JoinError>> {
        poll_end(cold, cx, meta)
    }

    fn abort_cold(_: &mut Self::Cold) -> Option<Waker> {
        // Cancelling already, or settled.
        None
    }

    fn is_finished_cold(cold: &mut Self::Cold) -> (bool, Option<Waker>) {
        end_is_finished(cold)
    }
}

/// The awaiter's poll of a handle whose end is kept (`RawJoin::poll_cold`).
pub(crate) fn poll_end<T>(
    end: &mut End<Outcome<T>>,
    cx: &mut Context<'_>,
    meta: &TaskMeta,
) -> Poll<Result<T, JoinError>> {
    end.as_mut()
        .poll_awaiter(cx)
        .map(|out| join_result(out, meta))
}

/// `is_finished` of a handle whose end is kept (`RawJoin::is_finished_cold`).
pub(crate) fn end_is_finished<T>(end: &mut End<T>) -> (bool, Option<Waker>) {
    match end.as_mut().poll_kept() {
        Poll::Ready(waker) => (true, waker),
        Poll::Pending => (false, None),
    }
}

/// The hot part of an async-task handle: the native handle while the task runs (or has
/// finished, not yet awaited). Once `abort` or `is_finished` reached the task's end, that
/// end ([`End`]) is kept instead, off the hot path (in `JoinHandle`'s second word), and
/// once the awaiter has the output, neither is. No lock of its own: `abort` and
/// `is_finished` run under `JoinHandle`'s (`StripedMutex`), awaiting has `&mut`. On smol it
/// is one pointer.
pub(crate) struct TaskHandle<N: NativeTask> {
    /// Dropped, it detaches: the task runs to completion.
    task: Detach<N>,
    /// The waker of the last poll that returned `Pending`, so that `is_finished`, which
    /// polls without the awaiter where the runtime cannot tell, keeps the awaiter's
    /// registration (`()` where it can tell).
    waker: N::Slot,
}

/// A cancellation in progress, or the output that `abort` or `is_finished` settled, not yet
/// taken by the awaiter. Its box is one of the two allocations of `abort`; the other is
/// the box that keeps it with the task's meta.
pub(crate) type End<T> = Pin<Box<dyn Ending<T>>>;

/// The end of a task that `abort` or `is_finished` reached: a cancellation in progress,
/// then its settled output (`None`: cancelled), with the awaiter's waker.
pub(crate) trait Ending<T>: Send {
    /// The awaiter's poll: keeps its waker while pending; `Ready` takes the output.
    fn poll_awaiter(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>>;
    /// A poll without the awaiter (`abort`, `is_finished`), with the kept waker. `Ready`
    /// once settled; the first time, it hands the kept waker over, to be woken once the
    /// caller has released `JoinHandle`'s lock.
    fn poll_kept(self: Pin<&mut Self>) -> Poll<Option<Waker>>;
}

pin_project! {
    struct EndState<F, T> {
        waker: Option<Waker>,
        #[pin]
        phase: Phase<F, T>,
    }
}

pin_project! {
    #[project = PhaseProj]
    enum Phase<F, T> {
        Cancelling { #[pin] cancel: F },
        Settled { out: Option<T> },
    }
}

impl<T: Send> EndState<std::future::Pending<Option<T>>, T> {
    /// The output that `is_finished` found, settled.
    fn settled(out: Option<T>) -> Self {
        EndState {
            waker: None,
            phase: Phase::Settled { out },
        }
    }
}

impl<T: Send, F: Future<Output = Option<T>> + Send> Ending<T> for EndState<F, T> {
    fn poll_awaiter(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.project();
        match this.phase.project() {
            PhaseProj::Cancelling { cancel } => {
                let polled = cancel.poll(cx);
                if polled.is_pending() {
                    this.waker.remember(cx);
                }
                polled
            }
            PhaseProj::Settled { out } => Poll::Ready(out.take()),
        }
    }

    fn poll_kept(self: Pin<&mut Self>) -> Poll<Option<Waker>> {
        let mut this = self.project();
        let PhaseProj::Cancelling { cancel } = this.phase.as_mut().project() else {
            return Poll::Ready(None);
        };
        let out = ready!(poll_as_awaiter(this.waker.as_ref(), |cx| cancel.poll(cx)));
        this.phase.set(Phase::Settled { out });
        Poll::Ready(this.waker.take())
    }
}

/// Polls without the awaiter, with the awaiter's `waker`, or a no-op one when there is
/// none yet, so that the poll does not take the awaiter's registration away.
fn poll_as_awaiter<R>(
    waker: Option<&Waker>,
    poll: impl FnOnce(&mut Context<'_>) -> Poll<R>,
) -> Poll<R> {
    poll(&mut Context::from_waker(waker.unwrap_or(Waker::noop())))
}

impl<N: NativeTask> TaskHandle<N> {
    #[inline]
    pub(crate) fn new(task: N) -> Self {
        // A handle that polls without the awaiter to tell `is_finished` must keep the
        // awaiter's waker, or that poll would take the awaiter's registration away.
        const {
            assert!(
                N::TELLS_FINISHED != N::Slot::KEEPS,
                "a native handle keeps the awaiter's waker exactly when it cannot tell that its task finished"
            )
        };
        TaskHandle {
            task: Detach::new(task),
            waker: N::Slot::default(),
        }
    }

    /// `Ready(None)` when the task was cancelled. After `Ready` the caller drops the
    /// handle, which detaches the finished task (a drop of async-task's own handle would
    /// first try to cancel what has already finished).
    #[inline(always)]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<N::Output>> {
        let polled = self.task.get_mut().poll_task(cx);
        if polled.is_pending() {
            self.waker.remember(cx);
        }
        polled
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

    use super::{Cancel, End, NativeTask, TaskHandle};
    use crate::panic::Outcome;
    use crate::rt::backend::{Left, RawJoin};
    use crate::striped_mutex::StripedMutex;
    use crate::sync::Ordering;
    use crate::sync::loom_support::{Out, model};
    use crate::task::join_error::JoinError;
    use crate::task::meta::TaskMeta;

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
        type Output = Outcome<Out>;
        type Slot = Option<Waker>;

        fn poll_task(&mut self, cx: &mut Context<'_>) -> Poll<Option<Outcome<Out>>> {
            let mut task = self.0.task.lock().unwrap();
            if let Some(out) = task.output.take() {
                task.closed = true;
                return Poll::Ready(Some(Outcome::new(Ok(out))));
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
        fn cancel(self) -> impl Future<Output = Option<Outcome<Out>>> + Send + 'static {
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

    type Join = TaskHandle<Mock>;

    /// The handle and its cold state, composed as `RawHandle` composes them (raw.rs).
    struct ModelHandle {
        native: Option<Join>,
        cold: Option<End<Outcome<Out>>>,
    }

    impl ModelHandle {
        fn keep(&mut self, left: Left<Join, End<Outcome<Out>>>) -> Option<Waker> {
            if let Some(handle) = left.handle {
                self.native = Some(handle);
            }
            if let Some(cold) = left.cold {
                self.cold = Some(cold);
            }
            left.waker
        }

        fn poll(&mut self, cx: &mut Context<'_>, meta: &TaskMeta) -> Poll<Result<Out, JoinError>> {
            if let Some(handle) = &mut self.native {
                let polled = RawJoin::poll_join(handle, cx, meta, self.cold.as_ref());
                if polled.is_ready() {
                    self.native = None;
                }
                return polled;
            }
            let cold = self.cold.as_mut().expect("polled after Ready");
            let polled = <Join as RawJoin<Out>>::poll_cold(cold, cx, meta);
            if polled.is_ready() {
                self.cold = None;
            }
            polled
        }

        fn abort(&mut self) -> Option<Waker> {
            match self.native.take() {
                Some(handle) => {
                    let left = RawJoin::<Out>::abort(handle);
                    self.keep(left)
                }
                None => self
                    .cold
                    .as_mut()
                    .and_then(<Join as RawJoin<Out>>::abort_cold),
            }
        }

        fn is_finished(&mut self) -> (bool, Option<Waker>) {
            match self.native.take() {
                Some(handle) => {
                    let (left, finished) = RawJoin::<Out>::check_finished(handle);
                    (finished, self.keep(left))
                }
                None => match &mut self.cold {
                    Some(cold) => <Join as RawJoin<Out>>::is_finished_cold(cold),
                    None => (true, None),
                },
            }
        }
    }

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// The awaiter polls once (pending), then the task runs on one thread while, with
    /// `aborter`, `abort` and, with `checker`, `is_finished` run on others. Checks: the
    /// awaiter is woken, the handle then resolves, its output is kept when the task
    /// completed before `abort` began (always, without `abort`), and every output produced
    /// is dropped exactly once.
    fn race(aborter: bool, checker: bool) {
        model(move || {
            let shared = Arc::new(Shared {
                task: Mutex::new(Task::default()),
                drops: Arc::new(AtomicUsize::new(0)),
                produced: AtomicUsize::new(0),
            });
            let meta = TaskMeta::caller();
            let mut handle = ModelHandle {
                native: Some(TaskHandle::new(Mock(shared.clone()))),
                cold: None,
            };
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            assert!(
                handle
                    .poll(&mut Context::from_waker(&waker), &meta)
                    .is_pending()
            );
            // As in `JoinHandle`: `abort` and `is_finished` under the lock, the waker they
            // return woken after it.
            let handle = Arc::new(StripedMutex::new(handle));

            let executor = {
                let shared = shared.clone();
                thread::spawn(move || shared.run())
            };
            let aborter = aborter.then(|| {
                let (shared, handle) = (shared.clone(), handle.clone());
                thread::spawn(move || {
                    let completed_first = shared.task.lock().unwrap().completed;
                    if let Some(waker) = handle.lock(|h| h.abort()) {
                        waker.wake();
                    }
                    completed_first
                })
            });
            let checker = checker.then(|| {
                let handle = handle.clone();
                thread::spawn(move || {
                    let (finished, waker) = handle.lock(|h| h.is_finished());
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                    finished
                })
            });
            executor.join().unwrap();
            // Without `abort`, the task completes: its output must be there.
            let completed_first = aborter.is_none_or(|aborter| aborter.join().unwrap());
            if let Some(checker) = checker {
                checker.join().unwrap();
            }
            let mut handle = Arc::try_unwrap(handle)
                .unwrap_or_else(|_| unreachable!())
                .into_inner();

            assert!(
                flag.0.load(Ordering::SeqCst),
                "lost wake-up: the awaiter was never woken"
            );
            let noop = Waker::noop();
            let out = match handle.poll(&mut Context::from_waker(noop), &meta) {
                Poll::Ready(out) => out,
                Poll::Pending => panic!("the handle of a finished task is still pending"),
            };
            if completed_first {
                assert!(
                    out.is_ok(),
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
        race(true, false);
    }

    #[test]
    fn loom_abort_and_is_finished_race_completion() {
        race(true, true);
    }

    /// Without an `abort` to wake the awaiter again, an `is_finished` that took the
    /// awaiter's registration away would lose its wake-up.
    #[test]
    fn loom_is_finished_races_completion() {
        race(false, true);
    }
}
