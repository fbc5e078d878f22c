//! Procedural macros for [async-bridge](https://docs.rs/async-bridge):
//! `#[async_bridge::test]` and `#[async_bridge::main]`.
//!
//! Use them through async-bridge's re-exports (`#[async_bridge::test]`), not from this
//! crate directly: the generated code calls into `async_bridge::__macro_support`, and the
//! backends it generates follow **async-bridge's** Cargo features.

use proc_macro::TokenStream;

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
