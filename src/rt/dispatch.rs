//! What asks every enabled backend of the list: the default backend, a runtime the
//! application built on this thread, and blocking in place on a flavour's thread.

use crate::context::{Flavor, ThreadContext};
#[allow(unused_imports)] // with no backend, nothing asks
use crate::rt::backend::Backend;

macro_rules! dispatch {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({
            flavor: $flavor:ident, variant: $variant:ident, describe: $describe:literal,
            blocks_in_place: $in_place:literal, hint: $hint:literal,
            workers: $workers:literal $(,)?
        }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        default_backend!(@acc [] $({ $module, $ty, $feature })*);

        /// Whether this thread is inside a runtime the application built (of any enabled
        /// backend that can tell).
        #[inline]
        pub(crate) fn in_foreign_runtime() -> bool {
            $(
                #[cfg(feature = $feature)]
                if <crate::rt::$module::$ty as Backend>::in_foreign_runtime() {
                    return true;
                }
            )*
            false
        }

        /// Whether this thread defers wake-ups to a scheduler a sync call would block (see
        /// [`Backend::defers_wakeups`]); with tokio in the build only for `tokio-context`,
        /// tokio is asked too.
        #[inline]
        pub(crate) fn defers_wakeups() -> bool {
            $(
                #[cfg(feature = $feature)]
                if <crate::rt::$module::$ty as Backend>::defers_wakeups() {
                    return true;
                }
            )*
            #[cfg(all(feature = "tokio-context", not(feature = "tokio")))]
            if crate::rt::tokio_probe::defers_wakeups() {
                return true;
            }
            false
        }

        /// Whether this thread is inside a runtime async-bridge did not set up: one of an
        /// enabled backend, or, with tokio in the build only for `tokio-context`, tokio's.
        #[inline]
        pub(crate) fn in_any_runtime() -> bool {
            #[cfg(all(feature = "tokio-context", not(feature = "tokio")))]
            if crate::rt::tokio_probe::in_runtime() {
                return true;
            }
            in_foreign_runtime()
        }

        /// The context of a runtime async-bridge did not set up on this thread.
        #[inline]
        pub(crate) fn foreign_context() -> ThreadContext {
            $(
                #[cfg(feature = $feature)]
                {
                    let found = <crate::rt::$module::$ty as Backend>::foreign_context();
                    if !matches!(found, ThreadContext::None) {
                        return found;
                    }
                }
            )*
            ThreadContext::None
        }

        /// Runs `f` where a thread of `flavor` may block (see
        /// [`Flavor::blocks_in_place`]).
        #[inline]
        pub(crate) fn block_in_place<R>(flavor: Flavor, f: impl FnOnce() -> R) -> R {
            match flavor {
                $(
                    #[cfg(feature = $feature)]
                    $(Flavor::$flavor)|* => <crate::rt::$module::$ty as Backend>::block_in_place(f),
                )*
                #[allow(unreachable_patterns)]
                _ => f(),
            }
        }
    };
}

/// `DefaultBackend`: the first enabled backend of the list.
macro_rules! default_backend {
    (@acc [$($before:literal)*]) => {};
    (@acc [$($before:literal)*] { $module:ident, $ty:ident, $feature:literal } $($rest:tt)*) => {
        /// The backend of the free functions when the caller is in no runtime: the first
        /// enabled one of the list.
        #[cfg(all(feature = $feature, not(any($(feature = $before),*))))]
        pub(crate) type DefaultBackend = crate::rt::$module::$ty;
        default_backend!(@acc [$($before)* $feature] $($rest)*);
    };
}

crate::__async_bridge_backends!(dispatch);
