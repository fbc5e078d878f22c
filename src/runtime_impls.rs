//! The public traits ([`BlockOn`](crate::BlockOn), [`Spawn`](crate::Spawn),
//! [`SpawnBlocking`](crate::SpawnBlocking), [`Timer`](crate::Timer)) for every
//! backend of the list (and, from `ambient.rs`, for the runtime the free functions pick),
//! written once over the
//! internal [`Backend`] trait: the `block_on` policy and the watchdog's view of a
//! `block_on` are checked here, the backend's raw handle and timer wrapped here.

use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use crate::rt::{Backend, Native, Wrap};
use crate::task::meta::TaskMeta;
use crate::{BlockOnError, Sleep};
use crate::{block_on_policy, watchdog_hook};

/// `try_block_on` of every backend: the watchdog's view of the future, the policy, then
/// the backend's own `block_on`.
#[inline(always)]
pub(crate) fn try_block_on_at<B: Backend, F: Future>(
    rt: &B,
    future: F,
    location: &'static Location<'static>,
) -> Result<F::Output, BlockOnError> {
    let future = watchdog_hook::block_on_future(future, location);
    block_on_policy::try_block_on(rt.flavor(), || rt.block_on_raw(future))
}

/// `block_on` where the caller has checked that this thread may block.
#[inline(always)]
pub(crate) fn block_on_unchecked<B: Backend, F: Future>(
    rt: &B,
    future: F,
    location: &'static Location<'static>,
) -> F::Output {
    rt.block_on_raw(watchdog_hook::block_on_future(future, location))
}

/// A backend's spawn, as the raw handle behind a `JoinHandle`.
#[inline(always)]
pub(crate) fn spawn_raw<B: Wrap, F>(rt: &B, future: F, meta: &TaskMeta) -> Native<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    B::wrap_handle(rt.spawn_raw(future, meta))
}

/// A backend's `spawn_blocking`, as the raw handle behind a `JoinHandle`.
#[inline(always)]
pub(crate) fn spawn_blocking_raw<B: Wrap, F, R>(rt: &B, f: F) -> Native<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    B::wrap_handle(rt.spawn_blocking_raw(f))
}

/// A backend's timer, as a [`Sleep`].
#[inline(always)]
#[allow(unreachable_code)] // with no backend, only the uninhabited `RawSleep` is left
pub(crate) fn sleep<B: Wrap>(rt: &B, duration: Duration) -> Sleep {
    Sleep::new(B::wrap_sleep(rt.sleep_raw(duration)))
}

/// A backend's timer for a timeout, as a [`Sleep`]: made when first polled.
#[inline(always)]
#[allow(unreachable_code)] // with no backend, only the uninhabited `RawSleep` is left
pub(crate) fn deadline<B: Wrap>(rt: &B, duration: Duration) -> Sleep {
    Sleep::new(B::wrap_sleep(rt.deadline_raw(duration)))
}

/// The public traits for `$ty` (`@one`), or for every backend of the list.
macro_rules! impl_public_traits {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        $(
            #[cfg(feature = $feature)]
            impl_public_traits!(@one crate::rt::$module::$ty);
        )*
    };
    (@one $ty:ty) => {
        impl $crate::BlockOn for $ty {
            #[track_caller]
            #[inline]
            fn block_on<F: ::std::future::Future>(&self, future: F) -> F::Output {
                $crate::block_on_error::or_panic($crate::BlockOn::try_block_on_at(
                    self,
                    future,
                    ::std::panic::Location::caller(),
                ))
            }

            #[track_caller]
            #[inline]
            fn try_block_on<F: ::std::future::Future>(
                &self,
                future: F,
            ) -> Result<F::Output, $crate::BlockOnError> {
                $crate::BlockOn::try_block_on_at(self, future, ::std::panic::Location::caller())
            }

            #[inline]
            fn try_block_on_at<F: ::std::future::Future>(
                &self,
                future: F,
                location: &'static ::std::panic::Location<'static>,
            ) -> Result<F::Output, $crate::BlockOnError> {
                $crate::runtime_impls::try_block_on_at(self, future, location)
            }
        }

        impl $crate::Spawn for $ty {
            #[track_caller]
            #[inline]
            fn spawn<F>(&self, future: F) -> $crate::JoinHandle<F::Output>
            where
                F: ::std::future::Future + Send + 'static,
                F::Output: Send + 'static,
            {
                $crate::Spawn::spawn_with_meta(self, future, $crate::task::meta::TaskMeta::caller())
            }

            #[inline]
            fn spawn_with_meta<F>(
                &self,
                future: F,
                meta: $crate::task::meta::TaskMeta,
            ) -> $crate::JoinHandle<F::Output>
            where
                F: ::std::future::Future + Send + 'static,
                F::Output: Send + 'static,
            {
                let raw = $crate::runtime_impls::spawn_raw(self, future, &meta);
                $crate::JoinHandle::new(raw, meta)
            }
        }

        impl $crate::SpawnBlocking for $ty {
            #[track_caller]
            #[inline]
            fn spawn_blocking<F, R>(&self, f: F) -> $crate::JoinHandle<R>
            where
                F: FnOnce() -> R + Send + 'static,
                R: Send + 'static,
            {
                $crate::SpawnBlocking::spawn_blocking_with_meta(
                    self,
                    f,
                    $crate::task::meta::TaskMeta::caller(),
                )
            }

            #[inline]
            fn spawn_blocking_with_meta<F, R>(
                &self,
                f: F,
                meta: $crate::task::meta::TaskMeta,
            ) -> $crate::JoinHandle<R>
            where
                F: FnOnce() -> R + Send + 'static,
                R: Send + 'static,
            {
                $crate::JoinHandle::new($crate::runtime_impls::spawn_blocking_raw(self, f), meta)
            }
        }

        impl $crate::Timer for $ty {
            /// A timer on this runtime's clock; it can be created on any thread and polled
            /// by any executor.
            ///
            /// # Panics
            ///
            /// On tokio, panics if the runtime was built without its time driver
            /// (`enable_time`).
            #[inline]
            fn sleep(
                &self,
                duration: ::std::time::Duration,
            ) -> impl ::std::future::Future<Output = ()> + Send + 'static + use<> {
                // The backend's own timer, not `Sleep`'s enum of every backend's.
                $crate::rt::Backend::sleep_raw(self, duration)
            }

            /// Races `future` against a timer of `duration` on this runtime's clock,
            /// counted from this call. The timer is made only when `future` is first found
            /// pending: a future that is ready at once costs no timer.
            ///
            /// # Panics
            ///
            /// On tokio, the first poll that finds `future` pending panics if the runtime
            /// was built without its time driver (`enable_time`).
            #[inline]
            fn timeout<F: ::std::future::Future>(
                &self,
                duration: ::std::time::Duration,
                future: F,
            ) -> $crate::Timeout<F, impl ::std::future::Future<Output = ()> + Send + 'static + use<F>>
            {
                $crate::Timeout::new(future, $crate::rt::Backend::deadline_raw(self, duration))
            }
        }
    };
}
crate::__async_bridge_backends!(impl_public_traits);
pub(crate) use impl_public_traits;
