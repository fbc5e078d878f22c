//! The runtime the free functions use: the one the caller is in, when it is an enabled
//! backend; else the default backend of the list (its first enabled one). Chosen here and
//! nowhere else.

use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use crate::context::{self, Flavor, ThreadContext};
use crate::rt::dispatch::DefaultBackend;
use crate::rt::{self, Backend, Native, RawSleep, Wrap};
use crate::runtime_impls;
use crate::task::meta::TaskMeta;
use crate::{BlockOn, BlockOnError};

macro_rules! ambient {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({
            flavor: $flavor:ident, variant: $variant:ident, describe: $describe:literal,
            blocks_in_place: $in_place:literal, hint: $hint:literal,
            workers: $workers:literal $(,)?
        }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        /// The runtime the free functions use: one of the enabled backends.
        #[derive(Clone, Debug)]
        pub(crate) enum AmbientRuntime {
            $(
                #[cfg(feature = $feature)]
                $ty(crate::rt::$module::$ty),
            )*
        }

        /// Calls `$call` with `$rt` bound to the backend inside `$self`.
        macro_rules! with_backend {
            ($self_:expr, $rt_:ident => $call_:expr) => {
                match $self_ {
                    $(
                        #[cfg(feature = $feature)]
                        AmbientRuntime::$ty($rt_) => $call_,
                    )*
                }
            };
        }

        impl AmbientRuntime {
            /// The runtime of the backend a thread in a context of `flavor` belongs to.
            #[inline]
            fn of_flavor(flavor: Flavor) -> Option<Self> {
                match flavor {
                    $(
                        #[cfg(feature = $feature)]
                        $(Flavor::$flavor)|* => {
                            <crate::rt::$module::$ty as Backend>::of_context(flavor)
                                .map(AmbientRuntime::$ty)
                        }
                    )*
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            /// A runtime the application built and this thread is in, of the first backend
            /// of the list that can tell.
            #[inline]
            fn foreign() -> Option<Self> {
                $(
                    #[cfg(feature = $feature)]
                    if let Some(rt) = <crate::rt::$module::$ty as Backend>::ambient() {
                        return Some(AmbientRuntime::$ty(rt));
                    }
                )*
                None
            }

        }

        /// A backend's runtime as the free functions' runtime.
        pub(crate) trait IntoAmbient {
            fn into_ambient(self) -> AmbientRuntime;
        }

        $(
            #[cfg(feature = $feature)]
            impl IntoAmbient for crate::rt::$module::$ty {
                #[inline]
                fn into_ambient(self) -> AmbientRuntime {
                    AmbientRuntime::$ty(self)
                }
            }
        )*
    };
}
crate::__async_bridge_backends!(ambient);

impl AmbientRuntime {
    /// The runtime the calling thread is in, when it is an enabled backend; else the default
    /// backend's global runtime.
    #[inline]
    #[allow(clippy::clone_on_copy)] // some backends are `Copy`
    pub(crate) fn find() -> Self {
        match context::innermost() {
            ThreadContext::BlockOn(flavor)
            | ThreadContext::Task(flavor)
            | ThreadContext::Blocking(flavor) => {
                if let Some(rt) = Self::of_flavor(flavor) {
                    return rt;
                }
            }
            ThreadContext::None | ThreadContext::Foreign(_) => {}
        }
        // A runtime the application built (a `#[tokio::main]` body, a native tokio task).
        if let Some(rt) = Self::foreign() {
            return rt;
        }
        <DefaultBackend as Backend>::global().clone().into_ambient()
    }
}

/// The free `try_block_on`: the runtime the caller is in, else the default. On a thread that
/// is in no runtime (the common case: a sync `main`), it blocks on the default runtime by
/// reference, without building an `AmbientRuntime` and without a second look at the
/// context.
#[inline]
pub(crate) fn try_block_on<F: Future>(
    future: F,
    location: &'static Location<'static>,
) -> Result<F::Output, BlockOnError> {
    if context::innermost_set().is_none() && !rt::in_foreign_runtime() {
        // No context of ours and no runtime the application built: "Where `block_on` may
        // run" says run.
        let global = <DefaultBackend as Backend>::global();
        return Ok(runtime_impls::block_on_unchecked(global, future, location));
    }
    AmbientRuntime::find().try_block_on_at(future, location)
}

impl Backend for AmbientRuntime {
    type Handle<T> = Native<T>;
    /// Unused: the ambient runtime's handle is already the enum of the backends'.
    type Cold<T> = std::convert::Infallible;
    type Sleep = RawSleep;

    #[inline]
    fn flavor(&self) -> Flavor {
        with_backend!(self, rt => rt.flavor())
    }

    #[inline]
    fn block_on_raw<F: Future>(&self, future: F) -> F::Output {
        with_backend!(self, rt => rt.block_on_raw(future))
    }

    #[inline]
    fn run_raw<F: Future>(&self, future: F, in_async: bool) -> F::Output {
        with_backend!(self, rt => rt.run_raw(future, in_async))
    }

    /// The default backend's.
    fn on_own_threads(name: &'static str) -> Self {
        <DefaultBackend as Backend>::on_own_threads(name).into_ambient()
    }

    #[inline]
    fn polls_own_tasks_here(&self) -> bool {
        with_backend!(self, rt => rt.polls_own_tasks_here())
    }

    #[inline]
    fn needs_driver(&self) -> bool {
        with_backend!(self, rt => rt.needs_driver())
    }

    fn shut_down(self, timeout: Duration) -> bool {
        with_backend!(self, rt => rt.shut_down(timeout))
    }

    #[inline]
    fn spawn_raw<F>(&self, future: F, meta: &TaskMeta) -> Native<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        with_backend!(self, rt => handle_of(rt, rt.spawn_raw(future, meta)))
    }

    #[inline]
    fn spawn_blocking_raw<F, R>(&self, f: F) -> Native<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        with_backend!(self, rt => handle_of(rt, rt.spawn_blocking_raw(f)))
    }

    #[inline]
    fn sleep_raw(&self, duration: Duration) -> RawSleep {
        with_backend!(self, rt => sleep_of(rt, rt.sleep_raw(duration)))
    }

    #[inline]
    fn deadline_raw(&self, duration: Duration) -> RawSleep {
        with_backend!(self, rt => sleep_of(rt, rt.deadline_raw(duration)))
    }

    fn of_context(flavor: Flavor) -> Option<Self> {
        Self::of_flavor(flavor)
    }

    fn global() -> &'static Self {
        unreachable!(
            "async-bridge: the free functions ask the default backend, not AmbientRuntime, for its global runtime"
        )
    }

    fn test_runtime(_: Flavor, _: Option<usize>) -> Self {
        unreachable!("async-bridge: the test matrix builds backends, not AmbientRuntime")
    }
}

/// `rt`'s handle as a raw handle.
#[inline(always)]
fn handle_of<B: Wrap, T>(_rt: &B, handle: B::Handle<T>) -> Native<T> {
    B::wrap_handle(handle)
}

/// `rt`'s timer as a raw timer.
#[inline(always)]
fn sleep_of<B: Wrap>(_rt: &B, sleep: B::Sleep) -> RawSleep {
    B::wrap_sleep(sleep)
}

runtime_impls::impl_public_traits!(@one AmbientRuntime);

impl Wrap for AmbientRuntime {
    #[inline(always)]
    fn wrap_handle<T>(handle: Native<T>) -> Native<T> {
        handle
    }

    #[inline(always)]
    fn wrap_sleep(sleep: RawSleep) -> RawSleep {
        sleep
    }
}
