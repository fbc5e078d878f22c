//! Procedural macros for [async-bridge](https://docs.rs/async-bridge):
//! `#[async_bridge::test]`, `#[async_bridge::main]` and `#[async_bridge::blocking]`.
//!
//! Use them through async-bridge's re-exports (`#[async_bridge::test]`), not from this
//! crate directly: the generated code calls into `async_bridge::__macro_support`, and the
//! backends it generates follow **async-bridge's** Cargo features.

use proc_macro::TokenStream;

mod blocking;
mod expand;
mod parse;
mod variants;

/// Runs an `async fn` test on every enabled backend and tokio flavour.
///
/// `#[async_bridge::test] async fn my_test() { … }` generates a module `my_test` with one
/// ordinary `#[test]` per backend that async-bridge was built with:
///
/// | test name | runtime | async-bridge feature |
/// | --- | --- | --- |
/// | `my_test::tokio_multi_thread` | `Tokio::new()` (or `Tokio::multi_thread(worker_threads)`) | `tokio` |
/// | `my_test::tokio_current_thread` | `Tokio::current_thread()` | `tokio` |
/// | `my_test::smol` | `Smol::default()` (smol's global executor) | `smol` |
/// | `my_test::async_std` | `AsyncStd::new()` | `async-std` |
///
/// So `cargo test my_test` runs all of them, and `cargo test tokio_current_thread` runs
/// one flavour of every test. With no backend feature, no variant is generated (and the
/// test silently does not exist). Inside the body, async-bridge's free functions
/// (`spawn`, `sleep`, `block_on`, …) use the variant's runtime.
///
/// ```ignore
/// #[async_bridge::test]
/// async fn spawn_and_join() {
///     let task = async_bridge::spawn(async { 1 + 1 });
///     assert_eq!(task.await.unwrap(), 2);
/// }
/// ```
///
/// # The function
///
/// - It must be an `async fn`, not generic, with zero parameters or one: the runtime.
///   The parameter type is one of
///   - `impl Runtime` (or `impl async_bridge::Runtime`): the variant's backend value;
///   - `RuntimeHandle`: `RuntimeHandle::new(backend)`;
///   - a concrete backend, `Tokio`, `Smol` or `AsyncStd`: only that backend's variants
///     are generated.
/// - It returns `()` or `Result<(), E>` with `E: Debug` (the variants return a value that
///   fails the test on `Err`, printing the error, as `#[test]` does).
/// - Its other attributes (`#[should_panic(expected = "…")]`, `#[ignore]`, doc comments,
///   `#[allow(…)]`) apply to every variant; `#[cfg(…)]` applies to the function and the
///   module of variants.
///
/// ```ignore
/// use async_bridge::{Runtime, RuntimeHandle, Smol, Spawn};
///
/// #[async_bridge::test]
/// async fn generic(rt: impl Runtime) {
///     assert_eq!(rt.spawn(async { 3 }).await.unwrap(), 3);
/// }
///
/// #[async_bridge::test]
/// async fn dynamic(rt: RuntimeHandle) {
///     assert_eq!(rt.spawn(async { 4 }).await.unwrap(), 4);
/// }
///
/// #[async_bridge::test] // only `smol_only::smol`
/// async fn smol_only(rt: Smol) {
///     assert_eq!(rt.spawn(async { 5 }).await.unwrap(), 5);
/// }
///
/// #[async_bridge::test]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     panic!("boom");
/// }
///
/// #[async_bridge::test]
/// async fn fallible() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "42".parse()?;
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
///
/// # Arguments
///
/// Arguments are comma-separated, each at most once.
///
/// - **Backends**: `tokio` (both flavours), `tokio_multi_thread`, `tokio_current_thread`,
///   `smol`, `async_std` restrict the variants to those named (still only those whose
///   feature is enabled):
///
///   ```ignore
///   #[async_bridge::test(smol, tokio_multi_thread)]
///   async fn two_variants() {}
///   ```
///
/// - **`worker_threads = N`** (N ≥ 1): the tokio multi-thread variant uses
///   `Tokio::multi_thread(N)` instead of one worker per core. A compile error if the test
///   has no `tokio_multi_thread` variant.
///
///   ```ignore
///   #[async_bridge::test(tokio_multi_thread, worker_threads = 2)]
///   async fn two_workers() {}
///   ```
///
/// - **`timeout = "…"`**: a whole number with the unit `ms`, `s` or `m` (`"200ms"`,
///   `"5s"`, `"2m"`). The body runs on its own thread, and the test fails if it has not
///   finished in time, with a message that says it is probably stuck (a deadlock or a lost
///   wake-up). A panic of the body is re-raised on the test thread, so `#[should_panic]`
///   still works. Without a timeout, the body runs on the test thread itself, and the
///   future need not be `Send` either way.
///
///   ```ignore
///   #[async_bridge::test(timeout = "5s")]
///   async fn finishes_quickly() {
///       async_bridge::sleep(std::time::Duration::from_millis(10)).await;
///   }
///   ```
///
/// - **`crate = "path"`**: the path of async-bridge, for crates that re-export it (the
///   default is `::async_bridge`). The path resolves in the test function's module.
///
///   ```ignore
///   extern crate async_bridge as ab;
///
///   #[ab::test(crate = "ab")]
///   async fn through_a_reexport() {}
///   ```
///
/// Misuse is a compile error at the offending token that names what is valid: an unknown
/// or duplicate argument, a bad `timeout` or `worker_threads`, a function that is not
/// `async`, an unsupported parameter. The function itself is still emitted, so one
/// mistake gives one diagnostic.
///
/// # What this generates
///
/// ```ignore
/// #[async_bridge::test(timeout = "5s")]
/// #[should_panic(expected = "boom")]
/// async fn my_test(rt: impl Runtime) { panic!("boom") }
/// ```
///
/// expands to (abridged: `support` is `::async_bridge::__macro_support`)
///
/// ```ignore
/// #[allow(dead_code)]
/// async fn my_test(rt: impl Runtime) { panic!("boom") }
///
/// mod my_test {
///     support::if_tokio! {
///         #[should_panic(expected = "boom")]
///         #[test]
///         fn tokio_multi_thread() {
///             let _ = support::run_with_timeout(
///                 ::async_bridge::Tokio::new(),
///                 ::core::time::Duration::from_millis(5000),
///                 "my_test",
///                 "tokio_multi_thread",
///                 move |rt| super::my_test(rt),
///             );
///         }
///     }
///     support::if_tokio! { /* fn tokio_current_thread() { … Tokio::current_thread() … } */ }
///     support::if_smol! { /* fn smol() { … Smol::default() … } */ }
///     support::if_async_std! { /* fn async_std() { … AsyncStd::new() … } */ }
/// }
/// ```
///
/// Without a timeout, each variant is `support::run(runtime, move |rt| super::my_test(rt))`,
/// which is `runtime.block_on(super::my_test(runtime.clone()))` on the test thread. The
/// `if_*!` gates keep their tokens only when async-bridge has the feature. The variants
/// carry `#[test]` only under `cfg(test)` (elsewhere they are compiled but unused).
///
/// # With other test attributes
///
/// Place `#[async_bridge::test]` as the last (innermost) attribute when combining it with
/// other test-generating attributes (rstest, test-case, …). That combination has not been
/// tested. A plain `#[test]` under it is an error: it already makes the `#[test]`s.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::test(args.into(), item.into()).into()
}

/// Runs an `async fn main` to completion.
///
/// ```ignore
/// #[async_bridge::main]
/// async fn main() {
///     let answer = async_bridge::spawn(async { 42 }).await.unwrap();
///     println!("{answer}");
/// }
/// ```
///
/// # What this generates
///
/// ```ignore
/// fn main() {
///     ::async_bridge::block_on(async move {
///         let answer = async_bridge::spawn(async { 42 }).await.unwrap();
///         println!("{answer}");
///     })
/// }
/// ```
///
/// With no argument it uses `async_bridge::block_on`: the default runtime (tokio, then
/// smol, then async-std, whichever async-bridge was built with), the same as the free
/// functions. `main` may return `Result<(), E>` with `E: Debug`:
///
/// ```ignore
/// #[async_bridge::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let n: u32 = "42".parse()?;
///     println!("{n}");
///     Ok(())
/// }
/// ```
///
/// # Arguments
///
/// - **One backend**, to use it instead of the default: `tokio` (a multi-thread runtime,
///   `Tokio::new()`; `tokio_multi_thread` is the same), `tokio_current_thread`, `smol`
///   (`Smol::default()`) or `async_std`. It generates
///   `BlockOn::block_on(&runtime, async move { … })`; a backend whose feature
///   async-bridge lacks is a compile error naming the feature.
///
///   ```ignore
///   #[async_bridge::main(smol)]
///   async fn main() {}
///   ```
///
/// - **`worker_threads = N`**, with `tokio`: `Tokio::multi_thread(N)`.
///
///   ```ignore
///   #[async_bridge::main(tokio, worker_threads = 4)]
///   async fn main() {}
///   ```
///
/// - **`crate = "path"`**: the path of async-bridge when it is re-exported (default
///   `::async_bridge`).
///
///   ```ignore
///   #[my_crate::async_bridge::main(crate = "my_crate::async_bridge")]
///   async fn main() {}
///   ```
///
/// Misuse (not `async`, parameters, an unknown argument or backend, two backends) is a
/// compile error at the offending token; a plain `fn main` is still emitted, so that is the
/// only diagnostic.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::main(args.into(), item.into()).into()
}

/// Writes the sync twin of an async API: of an inherent `impl` block's async methods (a
/// `{Type}Blocking` struct), or of a free `async fn` (a `{name}_blocking` fn).
///
/// Both APIs exist in one build. Each twin runs its async original on a `RuntimeThread`
/// (async-bridge's process-wide one, `RuntimeThread::shared()`, unless given one), so it
/// works from plain threads and from inside async code alike, and one runtime serves every
/// call. It needs async-bridge with a backend feature (`tokio`, `smol` or `async-std`), as
/// `RuntimeThread` does.
///
/// # On an `impl` block
///
/// ```ignore
/// #[async_bridge::blocking]
/// impl Store {
///     /// Opens the store.
///     pub async fn open(path: &str) -> Result<Self, Error> { /* … */ }
///     pub async fn get(&self, key: &str) -> Option<String> { /* … */ }
///     pub async fn put(&mut self, key: String, value: String) { /* … */ }
///     pub fn len(&self) -> usize { /* … */ }        // not async: no twin, reach it via get_ref()
/// }
///
/// let mut store = StoreBlocking::open("db")?; // a StoreBlocking, on the shared runtime
/// store.put("k".into(), "v".into());
/// assert_eq!(store.get("k").as_deref(), Some("v"));
/// assert_eq!(store.get_ref().len(), 1);
/// let store: Store = store.into_inner();
/// ```
///
/// The block is kept as written, and beside it (abridged; `ab` is `::async_bridge`):
///
/// ```ignore
/// /// The blocking twin of [`Store`]: (…)
/// pub struct StoreBlocking { inner: Store, rt: ab::RuntimeThread }
///
/// impl From<Store> for StoreBlocking { /* on RuntimeThread::shared() */ }
/// impl Debug for StoreBlocking where Store: Debug { /* … */ }
/// impl Clone for StoreBlocking where Store: Clone { /* … */ }
///
/// impl StoreBlocking {
///     pub fn with_runtime(inner: Store, rt: ab::RuntimeThread) -> Self { /* … */ }
///     pub fn get_ref(&self) -> &Store { /* … */ }
///     pub fn get_mut(&mut self) -> &mut Store { /* … */ }
///     pub fn into_inner(self) -> Store { /* … */ }
///     pub fn runtime(&self) -> &ab::RuntimeThread { /* … */ }
///
///     /// Opens the store.
///     ///
///     /// Blocks the calling thread until the async `Store::open` completes, …
///     pub fn open(path: &str) -> Result<Self, Error> {
///         let rt = ab::RuntimeThread::shared();
///         let out = rt.run(<Store>::open(path));
///         out.map(|inner| Self::with_runtime(inner, rt.clone()))
///     }
///     pub fn get(&self, key: &str) -> Option<String> {
///         self.rt.run(<Store>::get(&self.inner, key))
///     }
///     pub fn put(&mut self, key: String, value: String) {
///         self.rt.run(<Store>::put(&mut self.inner, key, value))
///     }
/// }
/// ```
///
/// - Each `async fn` of the block gets a twin of the same name, visibility, generics,
///   `where` clause and arguments (a pattern argument gets a name; `mut x` becomes `x`), with
///   its docs plus a paragraph saying that it blocks, and its `#[cfg]`, `#[cfg_attr]`,
///   `#[allow]`, `#[deprecated]` and `#[must_use]`. A `#[cfg]`-ed out method has no twin.
/// - Receivers `&self`, `&mut self` and `self` run on the twin's runtime; an associated fn
///   (no receiver, e.g. a constructor) runs on the shared one.
/// - An async fn returning `Self` (or the type spelled out), `Result<Self, E>` or
///   `Option<Self>` returns the twin, on the runtime it ran on. `Self` anywhere else in the
///   signature (`other: &Self`, `Vec<Self>`) is the type of the block, spelled out.
/// - Non-async items get no twin: reach them through `get_ref()` / `get_mut()`.
/// - The generics and `where` clause of the block are the struct's; a `#[cfg]` on the block
///   applies to the twin too. Put the attribute on one `impl` block per type.
///
/// # On a free `async fn`
///
/// ```ignore
/// /// Fetches `url`.
/// #[async_bridge::blocking]
/// pub async fn fetch(url: &str) -> Result<String, Error> { /* … */ }
///
/// // also generates, with the same visibility, generics and docs (plus the blocking line):
/// pub fn fetch_blocking(url: &str) -> Result<String, Error> {
///     ::async_bridge::RuntimeThread::shared().run(fetch(url))
/// }
/// ```
///
/// # The twin behind a feature
///
/// The attribute composes with `cfg_attr`, so a library can offer the sync API behind a
/// feature of its own:
///
/// ```ignore
/// #[cfg_attr(feature = "blocking", async_bridge::blocking)]
/// impl Client { /* … */ }
/// ```
///
/// # Arguments
///
/// - **`crate = "path"`**: the path of async-bridge when it is re-exported (default
///   `::async_bridge`), resolved where the item is.
/// - **`vis = "…"`**: the visibility of the twin struct and its helpers (`with_runtime`,
///   `get_ref`, …); the default is `pub`. Give the type's own, e.g. `vis = "pub(crate)"`,
///   or `vis = ""` for a private type (a `pub` twin of a private type warns of a private
///   type in a public interface). The methods' twins keep the methods' visibility.
///
/// ```ignore
/// #[async_bridge::blocking(vis = "pub(crate)", crate = "my_crate::async_bridge")]
/// impl Cache { /* … */ }
/// ```
///
/// # Errors
///
/// What cannot be twinned is a compile error at the offending item, and nothing is
/// silently skipped (the item is still emitted as written, so that is the one error):
///
/// - a trait impl (`impl Trait for Type`): the twin's methods would need another trait;
///   write that twin by hand, or move the async fns to an inherent impl;
/// - an `impl Trait` argument, which the twin cannot name: use a generic `<T: Trait>`;
/// - a receiver other than `self`, `&self` or `&mut self` (`self: Box<Self>`,
///   `self: Pin<&mut Self>`): the twin holds the value itself;
/// - an `impl` block without an `async fn` ("nothing to twin"), a fn that is not `async`,
///   an `extern` fn, a type that is not a named path (`impl [T]`), a `'_` in the type;
/// - an unknown or duplicate argument.
#[proc_macro_attribute]
pub fn blocking(args: TokenStream, item: TokenStream) -> TokenStream {
    blocking::blocking(args.into(), item.into()).into()
}

/// The second step of `#[async_bridge::test]`, called by async-bridge's
/// `__async_bridge_backends!` with its list of backends. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __expand_test(input: TokenStream) -> TokenStream {
    expand::expand_test(input.into()).into()
}

/// The second step of `#[async_bridge::main]`, called by async-bridge's
/// `__async_bridge_backends!` with its list of backends. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __expand_main(input: TokenStream) -> TokenStream {
    expand::expand_main(input.into()).into()
}
