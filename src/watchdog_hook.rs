//! The watchdog's hook into every poll of a task and of a `block_on` future. Without the
//! feature `watchdog` every item here is a no-op that compiles away.

cfg_if::cfg_if! {
    if #[cfg(feature = "watchdog")] {
        pub(crate) use crate::watchdog::probe::{block_on_future, handed_off, poll};
        pub(crate) use crate::watchdog::subject::Probe;

        /// `poll` reports a slow poll when its closure returns, so a panic must not unwind
        /// through it.
        pub(crate) const REPORTS_ON_RETURN: bool = true;
    } else {
        use std::panic::Location;

        use crate::task::TaskMeta;

        /// A panic may unwind through `poll`.
        pub(crate) const REPORTS_ON_RETURN: bool = false;

        /// Nothing to record without the watchdog.
        #[derive(Clone, Copy)]
        pub(crate) struct Probe;

        impl Probe {
            #[inline(always)]
            pub(crate) fn task(_meta: &TaskMeta) -> Self {
                Probe
            }
        }

        #[inline(always)]
        pub(crate) fn poll<R>(_probe: &Probe, f: impl FnOnce() -> R) -> R {
            f()
        }

        #[inline(always)]
        pub(crate) fn handed_off<R>(f: impl FnOnce() -> R) -> R {
            f()
        }

        #[inline(always)]
        pub(crate) fn block_on_future<F>(future: F, _location: &'static Location<'static>) -> F {
            future
        }
    }
}
