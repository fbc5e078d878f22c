//! The runtime the free functions use: the one the caller is in, else the default
//! backend (tokio, then smol, then async-std), chosen here and nowhere else.

use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use crate::context::{Context, Flavor};
use crate::task::TaskMeta;
use crate::{BlockOn, BlockOnError, JoinHandle, Sleep, Spawn, SpawnBlocking, Timer};

/// The runtime the free functions use: the one the caller is in, else the default.
#[derive(Clone, Debug)]
pub(crate) enum Current {
    #[cfg(feature = "tokio")]
    Tokio(super::tokio::Tokio),
    #[cfg(feature = "smol")]
    Smol(super::smol::Smol),
    #[cfg(feature = "async-std")]
    AsyncStd(super::async_std::AsyncStd),
}

/// The runtime the calling thread is in, when it is an enabled backend; else the default
/// backend's global runtime: tokio, then smol, then async-std.
#[inline]
pub(crate) fn current() -> Current {
    match crate::context::current() {
        Context::BlockOn(flavor) | Context::Task(flavor) | Context::Blocking(flavor) => {
            match flavor {
                #[cfg(feature = "tokio")]
                Flavor::TokioMultiThread | Flavor::TokioCurrentThread => {
                    if let Some(rt) = super::tokio::Tokio::try_current() {
                        return Current::Tokio(rt);
                    }
                }
                #[cfg(feature = "smol")]
                Flavor::Smol => return Current::Smol(super::smol::Smol::current()),
                #[cfg(feature = "async-std")]
                Flavor::AsyncStd => return Current::AsyncStd(super::async_std::AsyncStd::new()),
                #[allow(unreachable_patterns)]
                _ => {}
            }
        }
        Context::None | Context::Foreign(_) => {}
    }
    // A runtime the application built (a `#[tokio::main]` body, a native tokio task).
    #[cfg(feature = "tokio")]
    if let Some(rt) = super::tokio::Tokio::try_current() {
        return Current::Tokio(rt);
    }
    default()
}

/// The free `try_block_on`: the runtime the caller is in, else the default. On a thread that
/// is in no runtime (the common case: a sync `main`), it blocks on the default runtime
/// without building a `Current` and without asking tokio a second time where it is.
#[inline]
pub(crate) fn try_block_on<F: Future>(
    future: F,
    location: &'static Location<'static>,
) -> Result<F::Output, BlockOnError> {
    #[cfg(feature = "tokio")]
    if crate::context::current() == Context::None && !super::tokio::in_runtime() {
        // No context of ours and no tokio runtime here: "Where `block_on` may run" says
        // run.
        return Ok(super::tokio::global_ref().block_on_unchecked(future, location));
    }
    current().try_block_on_at(future, location)
}

fn default() -> Current {
    cfg_if::cfg_if! {
        if #[cfg(feature = "tokio")] {
            Current::Tokio(super::tokio::global())
        } else if #[cfg(feature = "smol")] {
            Current::Smol(super::smol::Smol::global())
        } else if #[cfg(feature = "async-std")] {
            Current::AsyncStd(super::async_std::AsyncStd::new())
        } else {
            unreachable!("async-bridge: the free functions need a backend feature; their bounds say so at compile time")
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $rt:ident => $call:expr) => {
        match $self {
            #[cfg(feature = "tokio")]
            Current::Tokio($rt) => $call,
            #[cfg(feature = "smol")]
            Current::Smol($rt) => $call,
            #[cfg(feature = "async-std")]
            Current::AsyncStd($rt) => $call,
        }
    };
}

impl Current {
    pub(crate) fn sleep_raw(&self, duration: Duration) -> Sleep {
        dispatch!(self, rt => rt.sleep_raw(duration))
    }
}

impl BlockOn for Current {
    #[track_caller]
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        dispatch!(self, rt => rt.block_on(future))
    }

    #[track_caller]
    fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, BlockOnError> {
        dispatch!(self, rt => rt.try_block_on(future))
    }

    fn try_block_on_at<F: Future>(
        &self,
        future: F,
        location: &'static Location<'static>,
    ) -> Result<F::Output, BlockOnError> {
        dispatch!(self, rt => rt.try_block_on_at(future, location))
    }
}

impl Spawn for Current {
    #[track_caller]
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        dispatch!(self, rt => rt.spawn(future))
    }

    fn spawn_with_meta<F>(&self, future: F, meta: TaskMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        dispatch!(self, rt => rt.spawn_with_meta(future, meta))
    }
}

impl SpawnBlocking for Current {
    #[track_caller]
    fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        dispatch!(self, rt => rt.spawn_blocking(f))
    }

    fn spawn_blocking_with_meta<F, R>(&self, f: F, meta: TaskMeta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        dispatch!(self, rt => rt.spawn_blocking_with_meta(f, meta))
    }
}

impl Timer for Current {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
        self.sleep_raw(duration)
    }
}
