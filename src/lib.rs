//! Bridge sync and async code on any executor.
//!
//! `async-bridge` gives `block_on`, `spawn`, `spawn_blocking` and the timers real code
//! needs next (`sleep`, `timeout`, `yield_now`) **one meaning on tokio, smol and
//! async-std**. The backend is a Cargo feature; features are additive (any combination,
//! including none, builds), and none is on by default.
//!
//! - Applications call the free functions ([`block_on`], [`spawn`], …): they run on the
//!   runtime the caller is already in, else on the default backend (tokio, then smol, then
//!   async-std).
//! - Libraries are generic over [`R: Runtime`](Runtime) and let the application pick, or
//!   hold a [`RuntimeHandle`].
//! - Libraries that owe their users a sync API over their async one use [`RuntimeThread`],
//!   whose `run` works from any thread, async code included, or let
//!   [`#[async_bridge::blocking]`](macro@blocking) write the sync twin of their methods.
//!
//! # The classic mistakes, and what async-bridge says
//!
//! ## An `async fn main` without a runtime
//!
//! The mistake: Rust has no built-in executor, so `main` cannot be `async`.
//!
//! ```compile_fail,E0752
//! async fn main() {} // error[E0752]: `main` function is not allowed to be `async`
//! ```
//!
//! The fix: [`#[async_bridge::main]`](macro@main) runs it on the default runtime (or on
//! the backend its arguments name).
//!
//! ```
//! # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
//! # mod doc {
//! #[async_bridge::main]
//! async fn main() {
//!     let config = async_bridge::spawn(async { "port = 8080" }).await.unwrap();
//!     assert_eq!(config, "port = 8080");
//! }
//! # pub fn run() { main() }
//! # }
//! # fn main() {
//! # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
//! # doc::run();
//! # }
//! ```
//!
//! ## A sync `main` that needs an async result
//!
//! The mistake: an `async fn` called from sync code gives a future, not its value.
//!
//! ```compile_fail,E0308
//! async fn fetch_config() -> String { "port = 8080".into() }
//!
//! fn main() {
//!     let config: String = fetch_config(); // error[E0308]: expected `String`, found future
//! }
//! ```
//!
//! The fix: drive it with [`block_on`].
//!
//! ```
//! # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
//! async fn fetch_config() -> String { "port = 8080".into() }
//!
//! fn main() {
//!     let config: String = async_bridge::block_on(fetch_config());
//!     assert_eq!(config, "port = 8080");
//! }
//! # main();
//! # }
//! ```
//!
//! ## A future created and never awaited
//!
//! The mistake: a future does nothing until it is awaited, so this line does not wait.
//! Every future async-bridge returns ([`Sleep`], [`Timeout`], [`YieldNow`],
//! [`JoinHandle`]) is `#[must_use]`, so the compiler warns (here, made an error):
//!
//! ```compile_fail
//! #![deny(unused_must_use)]
//! async fn tick() {
//!     async_bridge::yield_now(); // error: unused `YieldNow` that must be used
//! }
//! # fn main() {}
//! ```
//!
//! The fix: `.await` it. (A dropped [`JoinHandle`] warns too: dropping it detaches the
//! task; say so with [`JoinHandle::detach`].)
//!
//! ```
//! async fn tick() {
//!     async_bridge::yield_now().await;
//! }
//! # let _ = tick();
//! ```
//!
//! ## `block_on` inside async code
//!
//! Natively, tokio panics and smol or `futures::executor` silently block the executor
//! thread (and can deadlock). async-bridge detects it on every backend: `block_on` panics
//! with a message that names the fix, and [`try_block_on`] returns `Err(BlockOnError)`:
//!
//! ```
//! # #[cfg(feature = "smol")] {
//! use async_bridge::{BlockOn, Smol, Spawn};
//!
//! let rt = Smol::default();
//! let inner = rt.block_on(rt.spawn(async { async_bridge::try_block_on(async { 1 }) }));
//! let err = inner.unwrap().unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "`block_on` (smol) called from inside an async task running on smol; this would \
//!      block an executor thread and can deadlock it. Use `.await` instead, or move the \
//!      blocking section into `spawn_blocking`"
//! );
//! # }
//! ```
//!
//! ## Blocking inside a task
//!
//! The mistake: a sync call (`std::thread::sleep`, a sync database driver, a CPU-heavy
//! loop) inside a task holds the executor thread, and every task queued behind it waits.
//! No runtime reports it. The fix is [`spawn_blocking`]; to *find* the call, install the
//! [`watchdog`](mod@watchdog) (feature `watchdog`), which names the task, the line that
//! spawned it, and how long it blocked:
//!
//! ```
//! # #[cfg(all(feature = "watchdog", any(feature = "tokio", feature = "smol", feature = "async-std")))] {
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use async_bridge::{task::Builder, watchdog::Watchdog};
//!
//! let reports = Arc::new(Mutex::new(Vec::new()));
//! let sink = reports.clone();
//! let guard = Watchdog::new(Duration::from_millis(20))
//!     .on_stall(move |report| sink.lock().unwrap().push(report.to_string()))
//!     .install();
//!
//! let task = Builder::new().name("load-users").spawn(async {
//!     std::thread::sleep(Duration::from_millis(100)); // the mistake
//! });
//! async_bridge::block_on(task).unwrap();
//! drop(guard);
//!
//! let reports = reports.lock().unwrap();
//! let report = reports.iter().find(|r| r.contains("blocked its thread")).unwrap();
//! // async-bridge watchdog: task "load-users" (spawned at src/main.rs:12:38) blocked its
//! // thread for 100 ms in one poll (threshold 20 ms); move blocking work into …
//! assert!(report.starts_with("async-bridge watchdog: task \"load-users\" (spawned at "));
//! assert!(report.ends_with("move blocking work into `spawn_blocking`, or `.await` an async version of it"));
//! # }
//! ```
//!
//! # Where `block_on` may run
//!
//! One thread-local owned by async-bridge records what the current thread is doing; every
//! backend sets it. The rows are checked top to bottom against the innermost context:
//!
//! | the calling thread is … | `block_on` / `try_block_on` |
//! | --- | --- |
//! | a plain thread (`main`, `std::thread`) | runs the future to completion on this thread |
//! | inside a `spawn_blocking` closure (any backend) | runs: blocking threads exist to block |
//! | a tokio multi-thread worker, or inside a `block_on` driven by a tokio multi-thread runtime (async-bridge's or the application's) | runs, inside `tokio::task::block_in_place`, so the worker's other tasks move to another thread |
//! | a tokio current-thread runtime, a task async-bridge spawned on smol or async-std, or inside an async-bridge `block_on` of smol, async-std or tokio current-thread | refuses: `block_on` panics with a message naming the fix (`.await`, or `spawn_blocking`); `try_block_on` returns `Err(BlockOnError)`. The check runs in release builds too. |
//!
//! `block_on` takes any future (no `Send`, no `'static`) and polls it on the calling
//! thread; the backend's reactor and timers run on the backend's own threads.
//!
//! # One `JoinHandle`, one meaning
//!
//! [`JoinHandle<T>`](JoinHandle) behaves the same on every backend: dropping it detaches,
//! [`abort`](JoinHandle::abort) cancels (and drops the task's future), and a panic
//! becomes a [`JoinError`] carrying the original payload, never a crash, also when an
//! aborted task's destructor panics.
//!
//! # Backends
//!
//! | feature | backend | default runtime |
//! | --- | --- | --- |
//! | `tokio` | [`Tokio`] | a multi-thread runtime, started on first use |
//! | `smol` | [`Smol`] | smol's global executor |
//! | `async-std` | [`AsyncStd`] | async-std's global runtime (discontinued upstream: prefer smol) |
//!
//! With no backend enabled the crate still builds (generic code needs none), and calling a
//! free function is a compile error that names the features to enable.
//!
//! # Libraries written for tokio, and other crates' runtime traits
//!
//! - Feature `tokio-context`: every future async-bridge polls on smol and async-std runs
//!   inside a tokio runtime context, so reqwest, hyper-util, tonic and `tokio::net` /
//!   `tokio::time` work there unchanged; `tokio_context(future)` wraps a future for other
//!   executors. See the module `tokio_context` (it exists with the feature) for which
//!   runtime is used.
//! - Feature `hyper`: hyper 1.x's `rt::Executor` and `rt::Timer` for [`RuntimeHandle`] and
//!   every backend type, and `rt::Sleep` for [`Sleep`].
//! - Feature `futures`: `futures_task::Spawn` for the same types (`futures::task::SpawnExt`).
//!
//! # Blocking pools
//!
//! tokio's blocking pool is per runtime; smol and async-std share the process-wide
//! `blocking` pool (`BLOCKING_MAX_THREADS`).
#![cfg_attr(docsrs, feature(doc_cfg))]

// The list of backends comes first: every module below expands from it.
#[macro_use]
mod rt;

#[doc(hidden)]
#[path = "macro_support.rs"]
pub mod __macro_support;
crate::__async_bridge_backends! {
    rt::allow_unused_without_backend,
    mod block_on_error;
    mod block_on_policy;
    mod context;
    mod dyn_runtime;
    mod interop;
    mod panic;
    mod runtime_impls;
    mod striped_mutex;
    mod sync;
    pub mod task;
    mod time;
    mod traits;
    #[cfg(feature = "watchdog")]
    pub mod watchdog;
    mod watchdog_hook;
}

crate::__async_bridge_backends! {
    rt::cfg_any_backend,
    mod ambient;
    mod free;
    mod runtime_thread;
    pub use free::{block_on, sleep, spawn, spawn_blocking, timeout, try_block_on};
    pub use runtime_thread::RuntimeThread;
}
crate::__async_bridge_backends! {
    rt::cfg_no_backend,
    mod no_backend;
    pub use no_backend::{RuntimeThread, block_on, sleep, spawn, spawn_blocking, timeout, try_block_on};
    #[doc(hidden)]
    pub use no_backend::{BackendEnabled, NoBackend};
}

crate::__async_bridge_backends! {
    rt::cfg_any_backend,
    // The README's examples are compiled and run as doctests.
    #[cfg(doctest)]
    #[doc = include_str!("../README.md")]
    pub struct ReadmeDoctests;
}

pub use block_on_error::BlockOnError;
pub use dyn_runtime::{BoxedOutput, DynRuntime, RuntimeHandle};
pub use task::{JoinError, JoinHandle};
pub use time::{Elapsed, Sleep, Timeout, YieldNow, yield_now};
pub use traits::{BlockOn, Runtime, Spawn, SpawnBlocking, Timer};

// The module `tokio_context` and the function `tokio_context()` (two namespaces, one name).
#[cfg(feature = "tokio-context")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio-context")))]
pub use rt::tokio_context;

/// Runs an `async fn` test once per enabled backend and tokio flavour.
///
/// `#[async_bridge::test] async fn my_test() { … }` makes the `#[test]`s
/// `my_test::tokio_multi_thread`, `my_test::tokio_current_thread`, `my_test::smol` and
/// `my_test::async_std`, each only when async-bridge has that backend's feature. Arguments
/// restrict the backends (`#[async_bridge::test(smol, tokio_current_thread)]`) and set
/// `worker_threads = N`, `timeout = "5s"` and `crate = "path"`; the one parameter, if any,
/// is the runtime (`impl Runtime`, `RuntimeHandle`, `Tokio`, `Smol` or `AsyncStd`). See
/// [the macro's documentation](async_bridge_macros::test) for every option and what it
/// generates.
///
/// ```
/// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
/// # mod doc {
/// use async_bridge::{Runtime, Spawn};
///
/// #[async_bridge::test(timeout = "10s")]
/// async fn spawn_and_join(rt: impl Runtime) {
///     assert_eq!(rt.spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
/// # }
/// ```
pub use async_bridge_macros::test;

/// Runs an `async fn main` to completion on the default runtime (as [`block_on`] does), or
/// on the backend named in the arguments (`#[async_bridge::main(smol)]`).
///
/// It supports `-> Result<(), E>`, `worker_threads = N` with `tokio`, and
/// `crate = "path"`. See [the macro's documentation](async_bridge_macros::main).
///
/// ```no_run
/// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
/// # mod doc {
/// #[async_bridge::main]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let port: u16 = "8080".parse()?;
///     let doubled = async_bridge::spawn(async move { port * 2 }).await.unwrap();
///     println!("{doubled}");
///     Ok(())
/// }
/// # }
/// # fn main() {}
/// ```
pub use async_bridge_macros::main;

/// Writes the sync twin of an async API, in the same build: on an inherent `impl` block, a
/// `{Type}Blocking` struct with a blocking method per async method; on a free `async fn
/// name`, a `fn name_blocking`.
///
/// Each twin runs its async original on a `RuntimeThread` (the shared one,
/// `RuntimeThread::shared()`, unless given another with `with_runtime`), so it works from
/// plain threads and from async code alike. Async fns returning `Self`, `Result<Self, E>` or
/// `Option<Self>` return the twin; the twin struct has `From<Type>`, `with_runtime`,
/// `get_ref`, `get_mut`, `into_inner` and `runtime`. What cannot be twinned (a trait impl,
/// an `impl Trait` argument, a `self: Box<Self>` receiver) is a compile error at the item.
/// A library can put the twin behind a feature of its own with
/// `#[cfg_attr(feature = "blocking", async_bridge::blocking)]`. See
/// [the macro's documentation](async_bridge_macros::blocking) for what it generates and its
/// arguments (`crate = "path"`, `vis = "pub(crate)"`).
///
/// ```
/// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
/// # fn main() {
/// use std::collections::HashMap;
///
/// /// An async in-memory store.
/// #[derive(Debug, Default)]
/// pub struct Store {
///     map: HashMap<String, String>,
/// }
///
/// #[async_bridge::blocking] // also generates `pub struct StoreBlocking`
/// impl Store {
///     /// Opens a store (its twin returns a `StoreBlocking`).
///     pub async fn open(path: &str) -> Result<Self, std::io::Error> {
///         async_bridge::sleep(std::time::Duration::from_millis(1)).await;
///         let _ = path;
///         Ok(Store::default())
///     }
///     /// The value of `key`.
///     pub async fn get(&self, key: &str) -> Option<String> {
///         self.map.get(key).cloned()
///     }
///     /// Sets `key` to `value`.
///     pub async fn put(&mut self, key: String, value: String) {
///         self.map.insert(key, value);
///     }
///     /// Not async: no twin, reach it through `get_ref()`.
///     pub fn len(&self) -> usize {
///         self.map.len()
///     }
/// }
///
/// /// Fetches a greeting.
/// #[async_bridge::blocking] // also generates `pub fn greet_blocking`
/// pub async fn greet(name: &str) -> String {
///     async_bridge::yield_now().await;
///     format!("hello, {name}")
/// }
///
/// // From sync code:
/// let mut store = StoreBlocking::open("db").unwrap();
/// store.put("k".into(), "v".into());
/// assert_eq!(store.get("k").as_deref(), Some("v"));
/// assert_eq!(store.get_ref().len(), 1);
/// assert_eq!(greet_blocking("you"), "hello, you");
///
/// // From async code too, where `block_on` would refuse:
/// let value = async_bridge::block_on(async { store.get("k") });
/// assert_eq!(value.as_deref(), Some("v"));
///
/// // The async API is unchanged.
/// let store: Store = store.into_inner();
/// let value = async_bridge::block_on(async { store.get("k").await });
/// assert_eq!(value.as_deref(), Some("v"));
/// # }
/// # #[cfg(not(any(feature = "tokio", feature = "smol", feature = "async-std")))]
/// # fn main() {}
/// ```
pub use async_bridge_macros::blocking;

/// The backends' public types, each behind its feature.
macro_rules! backend_types {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        $(
            #[cfg(feature = $feature)]
            #[cfg_attr(docsrs, doc(cfg(feature = $feature)))]
            pub use rt::$module::$ty;
        )*
    };
}
crate::__async_bridge_backends!(backend_types);
