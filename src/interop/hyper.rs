//! hyper 1.x's runtime traits (feature `hyper`): `rt::Executor<F>` and `rt::Timer` for
//! every runtime type and [`RuntimeHandle`], and `rt::Sleep` for [`Sleep`], so that hyper's
//! connection builders (`server::conn::http2::Builder::new(rt)`, `.timer(rt)`) run their
//! background tasks and timeouts on an async-bridge runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::{RuntimeHandle, Sleep, Spawn, Timer};

impl hyper::rt::Sleep for Sleep {}

/// hyper's `Executor` and `Timer` for `$ty`, or for every backend of the list.
macro_rules! impl_hyper {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        $(
            #[cfg(feature = $feature)]
            impl_hyper!(@one crate::$ty);
        )*
    };
    (@one $ty:ty) => {
        /// Spawns hyper's background tasks (HTTP/2 streams and connections, hyper-util's
        /// pools) on this runtime, detached (their panics are caught and discarded, as
        /// hyper expects of an executor).
        impl<F> hyper::rt::Executor<F> for $ty
        where
            F: Future + Send + 'static,
            F::Output: Send + 'static,
        {
            fn execute(&self, future: F) {
                Spawn::spawn(self, future).detach();
            }
        }

        /// hyper's timeouts (`header_read_timeout`, HTTP/2 keep-alive) on this runtime's
        /// timers.
        impl hyper::rt::Timer for $ty {
            fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
                Box::pin(crate::runtime_impls::sleep(self, duration))
            }

            fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
                hyper::rt::Timer::sleep(self, deadline.saturating_duration_since(Instant::now()))
            }
        }
    };
}
crate::__async_bridge_backends!(impl_hyper);

/// Spawns hyper's background tasks on the runtime behind the handle, detached.
impl<F> hyper::rt::Executor<F> for RuntimeHandle
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        Spawn::spawn(self, future).detach();
    }
}

/// hyper's timeouts on the timers of the runtime behind the handle.
impl hyper::rt::Timer for RuntimeHandle {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(DynSleep(Mutex::new(Box::pin(Timer::sleep(self, duration)))))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        hyper::rt::Timer::sleep(self, deadline.saturating_duration_since(Instant::now()))
    }
}

/// A `RuntimeHandle`'s timer (only `Send`) as hyper's `Sleep` (also `Sync`): the mutex is
/// never locked, only reached through `&mut` (`Mutex::get_mut`), which costs nothing.
struct DynSleep(Mutex<Pin<Box<dyn Future<Output = ()> + Send>>>);

impl Future for DynSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.get_mut()
            .0
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
            .poll(cx)
    }
}

impl hyper::rt::Sleep for DynSleep {}
