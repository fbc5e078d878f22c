//! The backends, one file each behind its feature, and the one place that picks between
//! them: the default runtime, the runtime the caller is in, and the enums that hold a
//! backend's handle or timer.

#[cfg(any(feature = "tokio", async_bridge_loom))]
pub(crate) mod abort_flag;
#[cfg(any(feature = "smol", feature = "async-std"))]
pub(crate) mod async_task;

#[cfg(feature = "async-std")]
pub(crate) mod async_std;
#[cfg(feature = "smol")]
pub(crate) mod smol;
#[cfg(feature = "tokio")]
pub(crate) mod tokio;

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
mod current;
#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
pub(crate) use current::{current, try_block_on};

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use pin_project_lite::pin_project;

use crate::JoinError;
#[allow(unused_imports)]
use crate::context::{Context, Flavor};
use crate::task::TaskMeta;

/// A backend's join handle behind [`JoinHandle`].
pub(crate) enum RawHandle<T> {
    #[cfg(feature = "tokio")]
    Tokio(self::tokio::TokioHandle<T>),
    /// An async-task handle: smol tasks, and smol's and async-std's blocking closures.
    #[cfg(any(feature = "smol", feature = "async-std"))]
    Task(
        self::async_task::TaskHandle<::async_task::FallibleTask<crate::wrap::Outcome<T>>>,
        Flavor,
    ),
    #[cfg(feature = "async-std")]
    AsyncStd(self::async_std::NativeHandle<T>),
    /// A handle from [`RuntimeHandle`](crate::RuntimeHandle), whose output is boxed.
    Dyn(Box<RawHandle<Box<dyn Any + Send>>>),
    #[allow(dead_code)]
    Never(Infallible, PhantomData<fn() -> T>),
}

#[cfg(any(feature = "smol", feature = "async-std"))]
#[inline]
fn settle<T>(out: Option<crate::wrap::Outcome<T>>, meta: &TaskMeta) -> Result<T, JoinError> {
    match out {
        Some(outcome) => outcome
            .into_result()
            .map_err(|payload| JoinError::panic(payload, meta)),
        None => Err(JoinError::cancelled(meta)),
    }
}

/// The `RuntimeHandle` path, out of line so that it does not weigh on the others.
#[inline(never)]
fn poll_dyn<T: Send + 'static>(
    h: &mut RawHandle<Box<dyn Any + Send>>,
    cx: &mut TaskContext<'_>,
    meta: &TaskMeta,
) -> Poll<Result<T, JoinError>> {
    h.poll(cx, meta).map(|res| {
        res.map(|boxed| match boxed.downcast::<T>() {
            Ok(output) => *output,
            Err(_) => {
                unreachable!("async-bridge: a RuntimeHandle task's output has its spawn's type")
            }
        })
    })
}

impl<T: Send + 'static> RawHandle<T> {
    // With no backend enabled, only `Dyn` is left and `cx` only recurses.
    #[cfg_attr(
        not(any(feature = "tokio", feature = "smol", feature = "async-std")),
        allow(clippy::only_used_in_recursion)
    )]
    #[inline(always)]
    /// `meta` names the task in its `JoinError`.
    pub(crate) fn poll(
        &mut self,
        cx: &mut TaskContext<'_>,
        meta: &TaskMeta,
    ) -> Poll<Result<T, JoinError>> {
        match self {
            #[cfg(feature = "tokio")]
            RawHandle::Tokio(h) => h.poll(cx, meta),
            #[cfg(any(feature = "smol", feature = "async-std"))]
            RawHandle::Task(h, _) => h.poll(cx).map(|out| settle(out, meta)),
            #[cfg(feature = "async-std")]
            RawHandle::AsyncStd(h) => h.poll(cx).map(|out| settle(out, meta)),
            RawHandle::Dyn(h) => poll_dyn(h, cx, meta),
            RawHandle::Never(never, _) => match *never {},
        }
    }

    pub(crate) fn abort(&self) {
        match self {
            #[cfg(feature = "tokio")]
            RawHandle::Tokio(h) => h.abort(),
            #[cfg(any(feature = "smol", feature = "async-std"))]
            RawHandle::Task(h, _) => h.abort(),
            #[cfg(feature = "async-std")]
            RawHandle::AsyncStd(h) => h.abort(),
            RawHandle::Dyn(h) => h.abort(),
            RawHandle::Never(never, _) => match *never {},
        }
    }

    pub(crate) fn is_finished(&self) -> bool {
        match self {
            #[cfg(feature = "tokio")]
            RawHandle::Tokio(h) => h.is_finished(),
            #[cfg(any(feature = "smol", feature = "async-std"))]
            RawHandle::Task(h, _) => h.is_finished(),
            #[cfg(feature = "async-std")]
            RawHandle::AsyncStd(h) => h.is_finished(),
            RawHandle::Dyn(h) => h.is_finished(),
            RawHandle::Never(never, _) => match *never {},
        }
    }
}

impl<T> RawHandle<T> {
    /// Which backend runs the task, for `Debug`.
    pub(crate) fn backend(&self) -> &'static str {
        match self {
            #[cfg(feature = "tokio")]
            RawHandle::Tokio(_) => "tokio",
            #[cfg(any(feature = "smol", feature = "async-std"))]
            RawHandle::Task(_, flavor) => flavor.describe(),
            #[cfg(feature = "async-std")]
            RawHandle::AsyncStd(_) => "async-std",
            RawHandle::Dyn(h) => h.backend(),
            RawHandle::Never(never, _) => match *never {},
        }
    }
}

// `pin_project!` cannot cfg an enum's variants, so the variants are always there and a
// disabled backend's type is `Never`.
#[cfg(feature = "tokio")]
type TokioSleep = ::tokio::time::Sleep;
#[cfg(not(feature = "tokio"))]
type TokioSleep = Never;
#[cfg(any(feature = "smol", feature = "async-std"))]
type AsyncIoTimer = ::async_io::Timer;
#[cfg(not(any(feature = "smol", feature = "async-std")))]
type AsyncIoTimer = Never;

/// The timer of a backend that is not enabled.
#[allow(dead_code)]
pub(crate) enum Never {}

impl Future for Never {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<()> {
        match *self.get_mut() {}
    }
}

pin_project! {
    /// A backend's timer behind [`Sleep`].
    #[project = RawSleepProj]
    pub(crate) enum RawSleep {
        Tokio { #[pin] sleep: TokioSleep },
        AsyncIo { #[pin] timer: AsyncIoTimer },
    }
}

impl Future for RawSleep {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        match self.project() {
            RawSleepProj::Tokio { sleep } => sleep.poll(cx),
            RawSleepProj::AsyncIo { timer } => timer.poll(cx).map(drop),
        }
    }
}

/// The context of a runtime async-bridge did not set up on this thread.
#[inline]
pub(crate) fn foreign_context() -> Context {
    cfg_if::cfg_if! {
        if #[cfg(feature = "tokio")] {
            self::tokio::foreign_context()
        } else {
            Context::None
        }
    }
}

/// Runs `f` where a tokio multi-thread worker may block.
pub(crate) fn block_in_place<R>(f: impl FnOnce() -> R) -> R {
    cfg_if::cfg_if! {
        if #[cfg(feature = "tokio")] {
            self::tokio::block_in_place(f)
        } else {
            // Only tokio contexts ask to block in place.
            f()
        }
    }
}
