//! What a backend hands back: its join handle behind [`JoinHandle`](crate::JoinHandle) and
//! its timer behind [`Sleep`](crate::Sleep), as enums with one variant per backend of the
//! list (the variants of disabled backends are uninhabited).

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use crate::rt::backend::{Backend, RawJoin};
use crate::task::join_error::JoinError;
use crate::task::meta::TaskMeta;

macro_rules! raw_handle {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        /// A backend's join handle behind [`JoinHandle`](crate::JoinHandle).
        pub(crate) enum RawHandle<T> {
            $(
                #[cfg(feature = $feature)]
                $ty(<crate::rt::$module::$ty as Backend>::Handle<T>),
            )*
            /// A handle from [`RuntimeHandle`](crate::RuntimeHandle), whose output is boxed.
            Dyn(Box<RawHandle<Box<dyn Any + Send>>>),
            #[allow(dead_code)]
            Never(Infallible, PhantomData<fn() -> T>),
        }

        /// How a backend's own handle and timer become the enums' variants.
        pub(crate) trait Wrap: Backend {
            fn wrap_handle<T>(handle: Self::Handle<T>) -> RawHandle<T>;
            fn wrap_sleep(sleep: Self::Sleep) -> RawSleep;
        }

        $(
            #[cfg(feature = $feature)]
            impl Wrap for crate::rt::$module::$ty {
                #[inline(always)]
                fn wrap_handle<T>(handle: Self::Handle<T>) -> RawHandle<T> {
                    RawHandle::$ty(handle)
                }

                #[inline(always)]
                fn wrap_sleep(sleep: Self::Sleep) -> RawSleep {
                    RawSleep::$ty { sleep }
                }
            }
        )*

        impl<T: Send + 'static> RawJoin<T> for RawHandle<T> {
            // With no backend enabled, only `Dyn` is left and `cx` only recurses.
            #[allow(clippy::only_used_in_recursion)]
            #[inline(always)]
            fn poll_join(
                &mut self,
                cx: &mut Context<'_>,
                meta: &TaskMeta,
            ) -> Poll<Result<T, JoinError>> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        RawHandle::$ty(h) => h.poll_join(cx, meta),
                    )*
                    RawHandle::Dyn(h) => poll_dyn(h, cx, meta),
                    RawHandle::Never(never, _) => match *never {},
                }
            }

            #[inline]
            fn abort(&mut self) -> Option<Waker> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        RawHandle::$ty(h) => h.abort(),
                    )*
                    RawHandle::Dyn(h) => h.abort(),
                    RawHandle::Never(never, _) => match *never {},
                }
            }

            #[inline]
            fn is_finished(&mut self) -> (bool, Option<Waker>) {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        RawHandle::$ty(h) => h.is_finished(),
                    )*
                    RawHandle::Dyn(h) => h.is_finished(),
                    RawHandle::Never(never, _) => match *never {},
                }
            }
        }

        impl<T> RawHandle<T> {
            /// Which backend runs the task, for `Debug`.
            pub(crate) fn backend(&self) -> &'static str {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        RawHandle::$ty(_) => $name,
                    )*
                    RawHandle::Dyn(h) => h.backend(),
                    RawHandle::Never(never, _) => match *never {},
                }
            }
        }

        /// The timer type of each backend, or [`Never`] for a disabled one
        /// (`pin_project!` cannot cfg an enum's variants).
        #[allow(non_camel_case_types)]
        mod sleep_of {
            $(
                #[cfg(feature = $feature)]
                pub(crate) type $ty = <crate::rt::$module::$ty as super::Backend>::Sleep;
                #[cfg(not(feature = $feature))]
                pub(crate) type $ty = super::Never;
            )*
        }

        pin_project! {
            /// A backend's timer behind [`Sleep`](crate::Sleep).
            #[project = RawSleepProj]
            pub(crate) enum RawSleep {
                $( $ty { #[pin] sleep: sleep_of::$ty }, )*
            }
        }

        impl Future for RawSleep {
            type Output = ();

            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                match self.project() {
                    $( RawSleepProj::$ty { sleep } => sleep.poll(cx).map(drop), )*
                }
            }
        }
    };
}
crate::__async_bridge_backends!(raw_handle);

/// The `RuntimeHandle` path, out of line so that it does not weigh on the others.
#[inline(never)]
fn poll_dyn<T: Send + 'static>(
    h: &mut RawHandle<Box<dyn Any + Send>>,
    cx: &mut Context<'_>,
    meta: &TaskMeta,
) -> Poll<Result<T, JoinError>> {
    h.poll_join(cx, meta).map(|res| {
        res.map(|boxed| match boxed.downcast::<T>() {
            Ok(output) => *output,
            Err(_) => {
                unreachable!("async-bridge: a RuntimeHandle task's output has its spawn's type")
            }
        })
    })
}

/// The timer of a backend that is not enabled.
#[allow(dead_code)]
pub(crate) enum Never {}

impl Future for Never {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        match *self.get_mut() {}
    }
}
