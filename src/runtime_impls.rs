//! The public traits ([`BlockOn`], [`Spawn`], [`SpawnBlocking`], [`Timer`]) for every
//! backend of the list and for the runtime the free functions pick, written once over the
//! internal [`Backend`] trait: the `block_on` policy and the watchdog's view of a
//! `block_on` are checked here, the backend's raw handle and timer wrapped here.

use std::future::Future;
use std::panic::Location;
use std::time::Duration;

use crate::rt::{Backend, Wrap};
use crate::task::meta::TaskMeta;
use crate::{BlockOn, BlockOnError, JoinHandle, Sleep, Spawn, SpawnBlocking, Timer};
use crate::{block_on_error, block_on_policy, watchdog_hook};

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

macro_rules! impl_public_traits {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        $(
            #[cfg(feature = $feature)]
            impl_public_traits!(@one crate::rt::$module::$ty);
        )*
        crate::__async_bridge_backends! {
            crate::rt::cfg_any_backend,
            impl_public_traits!(@one crate::ambient::AmbientRuntime);
        }
    };
    (@one $ty:ty) => {
        impl BlockOn for $ty {
            #[track_caller]
            #[inline]
            fn block_on<F: Future>(&self, future: F) -> F::Output {
                block_on_error::or_panic(self.try_block_on_at(future, Location::caller()))
            }

            #[track_caller]
            #[inline]
            fn try_block_on<F: Future>(&self, future: F) -> Result<F::Output, BlockOnError> {
                self.try_block_on_at(future, Location::caller())
            }

            #[inline]
            fn try_block_on_at<F: Future>(
                &self,
                future: F,
                location: &'static Location<'static>,
            ) -> Result<F::Output, BlockOnError> {
                try_block_on_at(self, future, location)
            }
        }

        impl Spawn for $ty {
            #[track_caller]
            #[inline]
            fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                self.spawn_with_meta(future, TaskMeta::caller())
            }

            #[inline]
            fn spawn_with_meta<F>(&self, future: F, meta: TaskMeta) -> JoinHandle<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                let raw = <$ty as Wrap>::wrap_handle(self.spawn_raw(future, &meta));
                JoinHandle::new(raw, meta)
            }
        }

        impl SpawnBlocking for $ty {
            #[track_caller]
            #[inline]
            fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
            where
                F: FnOnce() -> R + Send + 'static,
                R: Send + 'static,
            {
                self.spawn_blocking_with_meta(f, TaskMeta::caller())
            }

            #[inline]
            fn spawn_blocking_with_meta<F, R>(&self, f: F, meta: TaskMeta) -> JoinHandle<R>
            where
                F: FnOnce() -> R + Send + 'static,
                R: Send + 'static,
            {
                JoinHandle::new(<$ty as Wrap>::wrap_handle(self.spawn_blocking_raw(f)), meta)
            }
        }

        impl Timer for $ty {
            /// A timer on this runtime's clock; it can be created on any thread and polled
            /// by any executor.
            ///
            /// # Panics
            ///
            /// On tokio, panics if the runtime was built without its time driver
            /// (`enable_time`).
            #[inline]
            fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
                Sleep::new(<$ty as Wrap>::wrap_sleep(self.sleep_raw(duration)))
            }
        }
    };
}
crate::__async_bridge_backends!(impl_public_traits);
