//! `Builder`: spawn a task with a name.

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use crate::task::meta::TaskMeta;
use crate::task::name::TaskName;
use crate::{JoinHandle, Spawn, SpawnBlocking};

/// Spawns a task (or a `spawn_blocking` closure) with a name.
///
/// The name shows in the task's [`JoinHandle`] (`Debug`, [`JoinHandle::name`]), in the
/// [`JoinError`](crate::JoinError) it may resolve to, and in the watchdog's stall reports
/// (feature `watchdog`), next to the file and line of the spawn, which every spawn records
/// (named or not). [`spawn`](Self::spawn) and [`spawn_blocking`](Self::spawn_blocking) use
/// the current or default runtime, as the free functions do; [`spawn_on`](Self::spawn_on)
/// and [`spawn_blocking_on`](Self::spawn_blocking_on) take any runtime.
///
/// The name costs one allocation when set, shared by the handle, the task and its error;
/// an unnamed spawn allocates nothing for it.
///
/// # Examples
///
/// ```
/// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
/// use async_bridge::task::Builder;
///
/// let handle = Builder::new().name("fetch-config").spawn(async { "port = 8080" });
/// assert!(format!("{handle:?}").contains("fetch-config"));
/// assert_eq!(async_bridge::block_on(handle).unwrap(), "port = 8080");
/// # }
/// ```
#[derive(Clone, Debug, Default)]
#[must_use = "a Builder does nothing until one of its spawn methods is called"]
pub struct Builder {
    name: Option<Arc<str>>,
}

impl Builder {
    /// A builder for an unnamed task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// let handle = async_bridge::task::Builder::new().spawn(async { 1 });
    /// assert_eq!(handle.name(), None);
    /// # handle.detach();
    /// # }
    /// ```
    pub fn new() -> Self {
        Builder::default()
    }

    /// Names the task. It takes whatever string is in hand (`&str`, `&String`, `String`,
    /// `Arc<str>`, `Cow<str>`, …: see [`TaskName`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// let id = 7;
    /// let handle = async_bridge::task::Builder::new()
    ///     .name(format!("worker-{id}"))
    ///     .spawn(async {});
    /// assert_eq!(handle.name(), Some("worker-7"));
    /// # handle.detach();
    /// # }
    /// ```
    pub fn name(mut self, name: impl TaskName) -> Self {
        self.name = Some(name.into_shared());
        self
    }

    #[track_caller]
    #[inline]
    fn meta(self) -> TaskMeta {
        TaskMeta::new(self.name, Location::caller())
    }

    /// Spawns `future` on `runtime`, as [`Spawn::spawn`] does, with this builder's name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "smol")] {
    /// use async_bridge::{BlockOn, Smol, task::Builder};
    ///
    /// let rt = Smol::default();
    /// let handle = Builder::new().name("tick").spawn_on(async { 1 }, &rt);
    /// assert_eq!(handle.name(), Some("tick"));
    /// assert_eq!(rt.block_on(handle).unwrap(), 1);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_on<F, R>(self, future: F, runtime: &R) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        R: Spawn + ?Sized,
    {
        runtime.spawn_with_meta(future, self.meta())
    }

    /// Runs `f` on `runtime`'s blocking pool, as [`SpawnBlocking::spawn_blocking`] does,
    /// with this builder's name.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "smol")] {
    /// use async_bridge::{BlockOn, Smol, task::Builder};
    ///
    /// let rt = Smol::default();
    /// let handle = Builder::new().name("checksum").spawn_blocking_on(|| 40 + 2, &rt);
    /// assert_eq!(rt.block_on(handle).unwrap(), 42);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F, T, R>(self, f: F, runtime: &R) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
        R: SpawnBlocking + ?Sized,
    {
        runtime.spawn_blocking_with_meta(f, self.meta())
    }
}

crate::__async_bridge_backends! {
    crate::rt::cfg_any_backend,
impl Builder {
    /// Spawns `future` on the current or default runtime, as [`spawn`](crate::spawn) does,
    /// with this builder's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = async_bridge::task::Builder::new().name("answer").spawn(async { 42 });
    /// assert_eq!(async_bridge::block_on(handle).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::ambient::AmbientRuntime::find().spawn_with_meta(future, self.meta())
    }

    /// Runs `f` on the current or default runtime's blocking pool, as
    /// [`spawn_blocking`](crate::spawn_blocking) does, with this builder's name.
    ///
    /// # Examples
    ///
    /// ```
    /// let handle = async_bridge::task::Builder::new().name("read").spawn_blocking(|| 5);
    /// assert_eq!(async_bridge::block_on(handle).unwrap(), 5);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, T>(self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        crate::ambient::AmbientRuntime::find().spawn_blocking_with_meta(f, self.meta())
    }
}
}

crate::__async_bridge_backends! {
    crate::rt::cfg_no_backend,
impl Builder {
    /// Needs a backend feature (`tokio`, `smol` or `async-std`); without one, use
    /// [`spawn_on`](Self::spawn_on) with a runtime value.
    pub fn spawn<F>(self, _future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        for<'a> &'a crate::NoBackend: crate::BackendEnabled,
    {
        unreachable!("async-bridge: unreachable without a backend (the bound cannot be met)")
    }

    /// Needs a backend feature (`tokio`, `smol` or `async-std`); without one, use
    /// [`spawn_blocking_on`](Self::spawn_blocking_on) with a runtime value.
    pub fn spawn_blocking<F, T>(self, _f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
        for<'a> &'a crate::NoBackend: crate::BackendEnabled,
    {
        unreachable!("async-bridge: unreachable without a backend (the bound cannot be met)")
    }
}
}
