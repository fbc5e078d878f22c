//! The backends: **the list of them, written once**, and what is generated from it.
//!
//! Each backend is one file or folder here, behind its Cargo feature, and implements the
//! internal trait [`Backend`] (raw spawn, raw `spawn_blocking`, raw
//! `block_on`, its timer, its flavour). Everything that enumerates backends expands from
//! the list in [`__async_bridge_backends!`](crate::__async_bridge_backends): the flavours
//! and the context encoding (`context.rs`), the raw handle and timer enums below, the
//! runtime the free functions pick (`ambient.rs`), the public trait impls
//! (`runtime_impls.rs`), the dyn handle's conversions, the crate's re-exports, the gates of
//! `#[async_bridge::test]` / `#[async_bridge::main]` (whose proc macro reads the list
//! through a callback, so it keeps none of its own) and the test matrices.
//!
//! # Adding a backend
//!
//! A fourth backend (glommio, compio, a virtual-time test runtime) takes:
//!
//! 1. `src/rt/<name>.rs` (or a folder): the runtime's type, `impl Backend` for it, its join
//!    handle (`impl RawJoin`), and nothing that knows another backend;
//! 2. one entry in the list below (type, module, feature, the name messages use, the
//!    test-variant gate, and one line per flavour);
//! 3. the Cargo feature in `Cargo.toml` (`.ci/run` reads the features from there).
//!
//! The compiler then asks for anything missing: a `Backend` method, a flavour's
//! properties. The test matrix, `#[async_bridge::test]`'s variants and arguments, the
//! free functions' dispatch and the docs' feature labels follow from the list.

#[cfg(any(feature = "tokio", async_bridge_loom))]
pub(crate) mod abort_flag;
#[cfg(any(feature = "smol", feature = "async-std"))]
pub(crate) mod async_task;
#[cfg(any(feature = "smol", feature = "async-std"))]
pub(crate) mod detach;
#[cfg(any(feature = "smol", feature = "async-std"))]
pub(crate) mod in_tokio;
#[cfg(any(feature = "smol", feature = "async-std"))]
pub(crate) mod io_timer;
#[cfg(feature = "tokio-context")]
pub mod tokio_context;
#[cfg(any(feature = "tokio", feature = "tokio-context"))]
pub(crate) mod tokio_probe;
#[cfg(feature = "tokio")]
pub(crate) mod tokio_sleep;
#[cfg(feature = "tokio-context")]
pub use tokio_context::tokio_context;

/// **The list of backends.** Calls `$callback! { [ entries ] args }`: one entry per backend
/// (in the order of preference of the free functions: the first enabled one is the
/// default), each with its flavours (for tokio, its two schedulers). Fields:
///
/// - `backend`: the public type; `module`: its file under `src/rt/`; `feature`: its Cargo
///   feature; `name`: how `JoinHandle`'s `Debug` names it; `gate`: the exported macro that
///   keeps its tokens only when async-bridge has the feature (the test matrix uses it);
/// - per flavour: its `Flavor` variant, the test variant's name (also the argument of
///   `#[async_bridge::test(...)]`), how messages name it, whether `block_on` on one of its
///   threads may block in place (handing the thread's other tasks elsewhere), what a
///   refusal there adds to the fix, and whether its runtime takes a number of worker threads
///   (`worker_threads = N` in the macros).
///
/// Not a public API: it may change in any release.
#[doc(hidden)]
#[macro_export]
macro_rules! __async_bridge_backends {
    ($callback:path $(, $($args:tt)*)?) => {
        $callback! {
            [
                {
                    backend: Tokio, module: tokio, feature: "tokio", name: "tokio",
                    gate: __async_bridge_if_tokio,
                    flavors: [
                        {
                            flavor: TokioMultiThread, variant: tokio_multi_thread,
                            describe: "tokio (multi-thread)", blocks_in_place: true, hint: "",
                            workers: true,
                        },
                        {
                            flavor: TokioCurrentThread, variant: tokio_current_thread,
                            describe: "tokio (current-thread)", blocks_in_place: false,
                            hint: ", or run on a multi-thread tokio runtime, where `block_on` is allowed",
                            workers: false,
                        },
                    ],
                },
                {
                    backend: Smol, module: smol, feature: "smol", name: "smol",
                    gate: __async_bridge_if_smol,
                    flavors: [
                        {
                            flavor: Smol, variant: smol,
                            describe: "smol", blocks_in_place: false, hint: "",
                            workers: false,
                        },
                    ],
                },
                {
                    backend: AsyncStd, module: async_std, feature: "async-std", name: "async-std",
                    gate: __async_bridge_if_async_std,
                    flavors: [
                        {
                            flavor: AsyncStd, variant: async_std,
                            describe: "async-std", blocks_in_place: false, hint: "",
                            workers: false,
                        },
                    ],
                },
            ]
            $($($args)*)?
        }
    };
}

/// The backend modules, each behind its feature.
macro_rules! backend_modules {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        $(
            #[cfg(feature = $feature)]
            pub(crate) mod $module;
        )*
    };
}
crate::__async_bridge_backends!(backend_modules);

/// Items that exist when at least one backend is enabled (`cfg(any(feature = …))` over the
/// list).
macro_rules! cfg_any_backend {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?] $($item:item)*) => {
        $crate::rt::cfg_any_backend!(@cfg (any($(feature = $feature),*)) $($item)*);
    };
    (@cfg $predicate:tt $($item:item)*) => {
        $(
            #[cfg $predicate]
            $item
        )*
    };
}
pub(crate) use cfg_any_backend;

/// Items that exist when no backend is enabled.
macro_rules! cfg_no_backend {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?] $($item:item)*) => {
        $crate::rt::cfg_no_backend!(@cfg (not(any($(feature = $feature),*))) $($item)*);
    };
    (@cfg $predicate:tt $($item:item)*) => {
        $(
            #[cfg $predicate]
            $item
        )*
    };
}
pub(crate) use cfg_no_backend;

/// Items whose unused parts are allowed when no backend is enabled (generic code over
/// `R: Runtime` and the dyn handle need none, so the machinery that backends share has no
/// user then).
macro_rules! allow_unused_without_backend {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?] $($item:item)*) => {
        $crate::rt::allow_unused_without_backend!(@cfg not (any($(feature = $feature),*)) $($item)*);
    };
    (@cfg $not:ident $features:tt $($item:item)*) => {
        $(
            #[cfg_attr($not $features, allow(dead_code, unused_imports))]
            $item
        )*
    };
}
pub(crate) use allow_unused_without_backend;

crate::__async_bridge_backends! {
    crate::rt::allow_unused_without_backend,
    pub(crate) mod backend;
    pub(crate) mod dispatch;
    mod raw;
    pub(crate) use backend::Backend;
    pub(crate) use dispatch::{block_in_place, defers_wakeups, foreign_context, in_any_runtime, in_foreign_runtime};
    pub(crate) use raw::{Native, RawHandle, RawSleep, Wrap};
}
