//! The join handle of the backends built on async-task (smol and async-std), with
//! async-bridge's semantics: drop detaches, `abort(&self)` cancels, output kept when the
//! task finished first.
//!
//! async-task's handles cancel with `async fn cancel(self)`, which consumes the handle.
//! `abort(&self)` therefore moves the handle into that cancellation future, polls it once
//! (that marks the task cancelled at once) and keeps it for the awaiter. Only the abort
//! path allocates (the boxed cancellation future); spawning allocates nothing beyond the
//! runtime's own task.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// What the backends' native handles offer.
pub(crate) trait NativeTask: Unpin + Sized {
    type Output;
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
    fn cancel(self) -> Pin<Box<dyn Future<Output = Option<Self::Output>> + Send>>;
}

impl<T> NativeTask for async_task::FallibleTask<T> {
    type Output = T;

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
    fn cancel(self) -> Pin<Box<dyn Future<Output = Option<T>> + Send>> {
        Box::pin(async_task::FallibleTask::cancel(self))
    }
}

pub(crate) struct TaskHandle<N: NativeTask> {
    state: Mutex<State<N>>,
}

enum State<N: NativeTask> {
    Running {
        task: N,
        /// The waker of the last poll that returned `Pending`, so that `abort` and
        /// `is_finished`, which poll through `&self`, keep the awaiter's registration.
        waker: Option<Waker>,
    },
    Cancelling {
        cancel: Pin<Box<dyn Future<Output = Option<N::Output>> + Send>>,
        waker: Option<Waker>,
    },
    /// Settled by `abort` or `is_finished`, not yet taken by the awaiter.
    Settled(Option<N::Output>),
    Taken,
}

fn remember(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

impl<N: NativeTask> TaskHandle<N> {
    #[inline]
    pub(crate) fn new(task: N) -> Self {
        TaskHandle {
            state: Mutex::new(State::Running { task, waker: None }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<N>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `Ready(None)` when the task was cancelled.
    #[inline]
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Option<N::Output>> {
        // `&mut self`: no lock needed.
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        let polled = match state {
            State::Running { task, waker } => match task.poll_task(cx) {
                Poll::Pending => {
                    if !N::TELLS_FINISHED {
                        remember(waker, cx);
                    }
                    return Poll::Pending;
                }
                Poll::Ready(out) => out,
            },
            State::Cancelling { cancel, waker } => match cancel.as_mut().poll(cx) {
                Poll::Pending => {
                    remember(waker, cx);
                    return Poll::Pending;
                }
                Poll::Ready(out) => out,
            },
            State::Settled(out) => out.take(),
            State::Taken => {
                panic!("`JoinHandle` polled after it returned `Ready`; await a handle only once")
            }
        };
        *state = State::Taken;
        Poll::Ready(polled)
    }

    pub(crate) fn abort(&self)
    where
        N: Cancel,
    {
        let mut state = self.lock();
        let State::Running { .. } = &*state else {
            return;
        };
        let State::Running { task, waker } = std::mem::replace(&mut *state, State::Taken) else {
            unreachable!()
        };
        let mut cancel = task.cancel();
        // The first poll marks the task cancelled. Poll with the awaiter's waker, so the
        // awaiter hears when the cancellation completes. (Where the handle keeps no waker,
        // async-task wakes the awaiter itself when it marks the task cancelled, and the
        // awaiter's next poll registers it with the cancellation.)
        let poll_waker = waker.clone().unwrap_or_else(|| Waker::noop().clone());
        match cancel.as_mut().poll(&mut Context::from_waker(&poll_waker)) {
            Poll::Ready(out) => {
                *state = State::Settled(out);
                drop(state);
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            Poll::Pending => *state = State::Cancelling { cancel, waker },
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        let mut state = self.lock();
        let (polled, waker) = match &mut *state {
            State::Running { task, .. } if N::TELLS_FINISHED => return task.finished(),
            State::Running { task, waker } => {
                let w = waker.clone().unwrap_or_else(|| Waker::noop().clone());
                (task.poll_task(&mut Context::from_waker(&w)), waker.take())
            }
            State::Cancelling { cancel, waker } => {
                let w = waker.clone().unwrap_or_else(|| Waker::noop().clone());
                (
                    cancel.as_mut().poll(&mut Context::from_waker(&w)),
                    waker.take(),
                )
            }
            State::Settled(_) | State::Taken => return true,
        };
        match polled {
            Poll::Ready(out) => {
                *state = State::Settled(out);
                drop(state);
                // The awaiter may be waiting for exactly this wake-up, which our poll
                // consumed: pass it on.
                if let Some(waker) = waker {
                    waker.wake();
                }
                true
            }
            Poll::Pending => {
                // Put the awaiter's waker back.
                match &mut *state {
                    State::Running { waker: slot, .. } | State::Cancelling { waker: slot, .. } => {
                        *slot = waker
                    }
                    _ => unreachable!(),
                }
                false
            }
        }
    }
}

impl<N: NativeTask> Drop for TaskHandle<N> {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let State::Running { task, .. } = std::mem::replace(state, State::Taken) {
            task.detach();
        }
    }
}
