//! [`RuntimeHandle`]: a runtime without a type parameter, and the dyn-compatible
//! [`DynRuntime`] behind it.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use crate::rt::RawHandle;
use crate::task::meta::TaskMeta;
use crate::{BlockOn, BlockOnError, JoinHandle, Runtime, Spawn, SpawnBlocking, Timeout, Timer};

/// A boxed output, as it crosses the dyn boundary.
pub type BoxedOutput = Box<dyn Any + Send + 'static>;

/// The dyn-compatible form of [`Runtime`], implemented for every `Runtime`.
///
/// Its methods take and return boxed, type-erased values; [`RuntimeHandle`] wraps it and
/// gives back typed handles. Use `RuntimeHandle` rather than calling these directly.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "smol")] {
/// use std::sync::Arc;
/// use async_bridge::{DynRuntime, Smol};
///
/// let rt: Arc<dyn DynRuntime> = Arc::new(Smol::default());
/// let mut fut = std::pin::pin!(async {});
/// rt.block_on_dyn(fut.as_mut()).unwrap();
/// # }
/// ```
pub trait DynRuntime: Send + Sync + 'static {
    /// [`BlockOn::try_block_on`] of a future whose output was stored elsewhere.
    ///
    /// # Errors
    ///
    /// As [`BlockOn::try_block_on`].
    #[track_caller]
    fn block_on_dyn(
        &self,
        future: Pin<&mut (dyn Future<Output = ()> + '_)>,
    ) -> Result<(), BlockOnError>;

    /// [`Spawn::spawn`] of a boxed future with a boxed output.
    #[track_caller]
    fn spawn_dyn(
        &self,
        future: Pin<Box<dyn Future<Output = BoxedOutput> + Send + 'static>>,
    ) -> JoinHandle<BoxedOutput>;

    /// [`SpawnBlocking::spawn_blocking`] of a boxed closure with a boxed output.
    #[track_caller]
    fn spawn_blocking_dyn(
        &self,
        f: Box<dyn FnOnce() -> BoxedOutput + Send + 'static>,
    ) -> JoinHandle<BoxedOutput>;

    /// [`Timer::sleep`], boxed.
    fn sleep_dyn(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

    /// The timer of a [`Timer::timeout`] of `duration` from now, boxed (the backends make it
    /// only when first polled). By default, [`sleep_dyn`](DynRuntime::sleep_dyn).
    fn timeout_sleep_dyn(
        &self,
        duration: Duration,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.sleep_dyn(duration)
    }

    /// The runtime's type name, for `Debug`.
    fn runtime_name(&self) -> &'static str;

    /// [`block_on_dyn`](DynRuntime::block_on_dyn) called at `location`, for the watchdog.
    #[doc(hidden)]
    #[track_caller]
    fn block_on_dyn_at(
        &self,
        future: Pin<&mut (dyn Future<Output = ()> + '_)>,
        location: &'static Location<'static>,
    ) -> Result<(), BlockOnError> {
        let _ = location;
        self.block_on_dyn(future)
    }

    /// [`spawn_dyn`](DynRuntime::spawn_dyn) with the task's name and spawn location.
    #[doc(hidden)]
    #[track_caller]
    fn spawn_dyn_with_meta(
        &self,
        future: Pin<Box<dyn Future<Output = BoxedOutput> + Send + 'static>>,
        meta: TaskMeta,
    ) -> JoinHandle<BoxedOutput> {
        self.spawn_dyn(future).with_meta(meta)
    }

    /// [`spawn_blocking_dyn`](DynRuntime::spawn_blocking_dyn) with the closure's name and
    /// spawn location.
    #[doc(hidden)]
    #[track_caller]
    fn spawn_blocking_dyn_with_meta(
        &self,
        f: Box<dyn FnOnce() -> BoxedOutput + Send + 'static>,
        meta: TaskMeta,
    ) -> JoinHandle<BoxedOutput> {
        self.spawn_blocking_dyn(f).with_meta(meta)
    }
}

impl<R: Runtime> DynRuntime for R {
    #[track_caller]
    fn block_on_dyn(
        &self,
        future: Pin<&mut (dyn Future<Output = ()> + '_)>,
    ) -> Result<(), BlockOnError> {
        self.try_block_on(future)
    }

    #[track_caller]
    fn spawn_dyn(
        &self,
        future: Pin<Box<dyn Future<Output = BoxedOutput> + Send + 'static>>,
    ) -> JoinHandle<BoxedOutput> {
        self.spawn(future)
    }

    #[track_caller]
    fn spawn_blocking_dyn(
        &self,
        f: Box<dyn FnOnce() -> BoxedOutput + Send + 'static>,
    ) -> JoinHandle<BoxedOutput> {
        self.spawn_blocking(f)
    }

    fn sleep_dyn(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(self.sleep(duration))
    }

    fn timeout_sleep_dyn(
        &self,
        duration: Duration,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        // The runtime's own timeout's timer: the future raced is a placeholder.
        Box::pin(self.timeout(duration, std::future::pending::<()>()).into_sleep())
    }

    fn runtime_name(&self) -> &'static str {
        std::any::type_name::<R>()
    }

    #[track_caller]
    fn block_on_dyn_at(
        &self,
        future: Pin<&mut (dyn Future<Output = ()> + '_)>,
        location: &'static Location<'static>,
    ) -> Result<(), BlockOnError> {
        self.try_block_on_at(future, location)
    }

    #[track_caller]
    fn spawn_dyn_with_meta(
        &self,
        future: Pin<Box<dyn Future<Output = BoxedOutput> + Send + 'static>>,
        meta: TaskMeta,
    ) -> JoinHandle<BoxedOutput> {
        self.spawn_with_meta(future, meta)
    }

    #[track_caller]
    fn spawn_blocking_dyn_with_meta(
        &self,
        f: Box<dyn FnOnce() -> BoxedOutput + Send + 'static>,
        meta: TaskMeta,
    ) -> JoinHandle<BoxedOutput> {
        self.spawn_blocking_with_meta(f, meta)
    }
}

/// Any runtime, without a type parameter, that itself implements [`Runtime`], so
/// `handle.spawn(async { 5 })` still returns a typed `JoinHandle<i32>`.
///
/// For code that holds an executor chosen elsewhere (executor injection, as hyper's
/// `rt::Executor` does). A handle of one of async-bridge's backends (`Tokio`, `Smol`,
/// `AsyncStd`) calls it directly: nothing is boxed, and a spawn, a `block_on` or a timer
/// costs what it costs on the backend itself, plus one `match`. Any other runtime (a
/// [`RuntimeThread`](crate::RuntimeThread), a type of your own) is held as an
/// `Arc<dyn DynRuntime>`: each spawn then boxes the future and its output. Generic code
/// (`R: Runtime`) pays nothing either way.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "smol")] {
/// use async_bridge::{BlockOn, RuntimeHandle, Smol, Spawn};
///
/// struct Service { rt: RuntimeHandle }
///
/// let service = Service { rt: Smol::default().into() };
/// let answer: async_bridge::JoinHandle<i32> = service.rt.spawn(async { 5 });
/// assert_eq!(service.rt.block_on(answer).unwrap(), 5);
/// # }
/// ```
#[derive(Clone)]
pub struct RuntimeHandle {
    inner: Inner,
}

impl RuntimeHandle {
    /// Wraps any runtime. (Each backend also converts with `From`/`into()`.)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "tokio")] {
    /// use async_bridge::{RuntimeHandle, Tokio};
    ///
    /// let handle = RuntimeHandle::new(Tokio::current_thread());
    /// assert!(format!("{handle:?}").contains("Tokio"));
    /// # }
    /// ```
    pub fn new<R: Runtime>(runtime: R) -> Self {
        RuntimeHandle {
            inner: Inner::new(runtime),
        }
    }
}

impl fmt::Debug for RuntimeHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeHandle")
            .field("runtime", &self.inner.runtime_name())
            .finish()
    }
}

/// The runtime behind a [`RuntimeHandle`], and each of its operations, for every backend of
/// the list.
macro_rules! runtime_handle_inner {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        /// A backend of the list, called directly, or any other runtime, boxed.
        #[derive(Clone)]
        enum Inner {
            $(
                #[cfg(feature = $feature)]
                $ty(crate::$ty),
            )*
            Dyn(Arc<dyn DynRuntime>),
        }

        impl Inner {
            fn new<R: Runtime>(runtime: R) -> Self {
                let mut slot = Some(runtime);
                let any: &mut dyn Any = &mut slot;
                $(
                    #[cfg(feature = $feature)]
                    if let Some(runtime) = any.downcast_mut::<Option<crate::$ty>>() {
                        return Inner::$ty(runtime.take().expect("the runtime is in its slot"));
                    }
                )*
                // A handle of a handle is the same handle: no second layer.
                if let Some(handle) = any.downcast_mut::<Option<RuntimeHandle>>() {
                    return handle.take().expect("the runtime is in its slot").inner;
                }
                Inner::Dyn(Arc::new(slot.take().expect("the runtime is in its slot")))
            }

            fn runtime_name(&self) -> &'static str {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Inner::$ty(_) => std::any::type_name::<crate::$ty>(),
                    )*
                    Inner::Dyn(runtime) => runtime.runtime_name(),
                }
            }

            #[inline]
            fn try_block_on_at<F: Future>(
                &self,
                future: F,
                location: &'static Location<'static>,
            ) -> Result<F::Output, BlockOnError> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Inner::$ty(runtime) => runtime.try_block_on_at(future, location),
                    )*
                    Inner::Dyn(runtime) => block_on_boxed(&**runtime, future, location),
                }
            }

            #[inline]
            fn spawn_with_meta<F>(&self, future: F, meta: TaskMeta) -> JoinHandle<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Inner::$ty(runtime) => runtime.spawn_with_meta(future, meta),
                    )*
                    Inner::Dyn(runtime) => spawn_boxed(&**runtime, future, meta),
                }
            }

            #[inline]
            fn spawn_blocking_with_meta<F, R>(&self, f: F, meta: TaskMeta) -> JoinHandle<R>
            where
                F: FnOnce() -> R + Send + 'static,
                R: Send + 'static,
            {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Inner::$ty(runtime) => runtime.spawn_blocking_with_meta(f, meta),
                    )*
                    Inner::Dyn(runtime) => spawn_blocking_boxed(&**runtime, f, meta),
                }
            }

            #[inline]
            fn sleep(&self, duration: Duration) -> HandleSleep {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Inner::$ty(runtime) => HandleSleep::Backend {
                            sleep: crate::runtime_impls::sleep(runtime, duration),
                        },
                    )*
                    Inner::Dyn(runtime) => HandleSleep::Dyn {
                        sleep: runtime.sleep_dyn(duration),
                    },
                }
            }

            #[inline]
            fn deadline(&self, duration: Duration) -> HandleSleep {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        Inner::$ty(runtime) => HandleSleep::Backend {
                            sleep: crate::runtime_impls::deadline(runtime, duration),
                        },
                    )*
                    Inner::Dyn(runtime) => HandleSleep::Dyn {
                        sleep: runtime.timeout_sleep_dyn(duration),
                    },
                }
            }
        }
    };
}
crate::__async_bridge_backends!(runtime_handle_inner);

/// A spawn through `dyn DynRuntime`: the future and its output boxed. Out of line, so that
/// the direct calls of the other arms inline as they do outside a `RuntimeHandle`.
#[cold]
#[inline(never)]
fn spawn_boxed<F>(runtime: &dyn DynRuntime, future: F, meta: TaskMeta) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    typed(runtime.spawn_dyn_with_meta(
        Box::pin(async move { Box::new(future.await) as BoxedOutput }),
        meta,
    ))
}

/// A `spawn_blocking` through `dyn DynRuntime` (see [`spawn_boxed`]).
#[cold]
#[inline(never)]
fn spawn_blocking_boxed<F, R>(runtime: &dyn DynRuntime, f: F, meta: TaskMeta) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    typed(runtime.spawn_blocking_dyn_with_meta(Box::new(move || Box::new(f()) as BoxedOutput), meta))
}

/// `block_on` through `dyn DynRuntime`: the output is stored beside the future (see
/// [`spawn_boxed`]).
#[cold]
#[inline(never)]
fn block_on_boxed<F: Future>(
    runtime: &dyn DynRuntime,
    future: F,
    location: &'static Location<'static>,
) -> Result<F::Output, BlockOnError> {
    let mut output = None;
    {
        let slot = &mut output;
        let future = pin!(async move { *slot = Some(future.await) });
        runtime.block_on_dyn_at(future, location)?;
    }
    Ok(output.expect(
        "async-bridge: block_on returned before its future completed; this is a bug in async-bridge",
    ))
}

pin_project_lite::pin_project! {
    /// A [`RuntimeHandle`]'s timer: its backend's, or a boxed one.
    #[project = HandleSleepProj]
    enum HandleSleep {
        Backend { #[pin] sleep: crate::Sleep },
        Dyn { sleep: Pin<Box<dyn Future<Output = ()> + Send + 'static>> },
    }
}

impl Future for HandleSleep {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        match self.project() {
            HandleSleepProj::Backend { sleep } => sleep.poll(cx),
            HandleSleepProj::Dyn { sleep } => sleep.as_mut().poll(cx),
        }
    }
}

impl BlockOn for RuntimeHandle {
    #[track_caller]
    #[inline]
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::block_on_error::or_panic(self.try_block_on(future))
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
        self.inner.try_block_on_at(future, location)
    }
}

/// A handle from `dyn DynRuntime`, whose output is boxed, as a typed one.
fn typed<T: Send + 'static>(handle: JoinHandle<BoxedOutput>) -> JoinHandle<T> {
    JoinHandle::from_raw(RawHandle::typed(handle.into_raw()))
}

impl Spawn for RuntimeHandle {
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
        self.inner.spawn_with_meta(future, meta)
    }
}

impl SpawnBlocking for RuntimeHandle {
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
        self.inner.spawn_blocking_with_meta(f, meta)
    }
}

impl Timer for RuntimeHandle {
    #[inline]
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
        self.inner.sleep(duration)
    }

    /// The runtime's own timeout: for a backend or a [`RuntimeThread`](crate::RuntimeThread),
    /// its timer made only when `future` is first found pending; for a runtime of one's own,
    /// what its [`Timer::timeout`] does (by default, a [`Timeout`] of its `sleep`).
    ///
    /// # Panics
    ///
    /// As the runtime's: on tokio, the first poll that finds `future` pending panics if
    /// the runtime was built without its time driver (`enable_time`).
    #[inline]
    fn timeout<F: Future>(
        &self,
        duration: Duration,
        future: F,
    ) -> Timeout<F, impl Future<Output = ()> + Send + 'static + use<F>> {
        Timeout::new(future, self.inner.deadline(duration))
    }
}

/// `From` each backend of the list (a blanket `From<R: Runtime>` would clash with
/// `From<T> for T`).
macro_rules! from_backend {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {$(
        #[cfg(feature = $feature)]
        impl From<crate::$ty> for RuntimeHandle {
            fn from(runtime: crate::$ty) -> Self {
                RuntimeHandle::new(runtime)
            }
        }
    )*};
}
crate::__async_bridge_backends!(from_backend);
