//! What the smol and async-std backends poll and run: the user's futures and closures,
//! inside a tokio runtime context when the feature `tokio-context` is on (see
//! `rt/tokio_context.rs`), else as they are.

use std::future::Future;

cfg_if::cfg_if! {
    if #[cfg(feature = "tokio-context")] {
        /// A future polled, and dropped, inside a tokio runtime context.
        pub(crate) type InTokio<F> = crate::rt::tokio_context::TokioContext<F>;

        /// `future`, polled and dropped inside a tokio runtime context.
        #[inline]
        pub(crate) fn in_tokio<F: Future>(future: F) -> InTokio<F> {
            crate::rt::tokio_context::tokio_context(future)
        }

        /// `f`, run inside a tokio runtime context.
        #[inline]
        pub(crate) fn in_tokio_fn<F, R>(f: F) -> impl FnOnce() -> R + Send + 'static
        where
            F: FnOnce() -> R + Send + 'static,
        {
            move || crate::rt::tokio_context::enter(f)
        }
    } else {
        /// The future as it is (the feature `tokio-context` is off).
        pub(crate) type InTokio<F> = F;

        /// `future` as it is (the feature `tokio-context` is off).
        #[inline(always)]
        pub(crate) fn in_tokio<F: Future>(future: F) -> InTokio<F> {
            future
        }

        /// `f` as it is (the feature `tokio-context` is off).
        #[inline(always)]
        pub(crate) fn in_tokio_fn<F, R>(f: F) -> F
        where
            F: FnOnce() -> R + Send + 'static,
        {
            f
        }
    }
}

cfg_if::cfg_if! {
    if #[cfg(any(feature = "tokio", feature = "tokio-context"))] {
        /// `future`, polled outside tokio's cooperative budget. The budget belongs to the
        /// tokio task this thread may be polling (a tokio worker that called a sync API,
        /// `RuntimeThread::run`): counted against it, a tokio resource inside (a channel, a
        /// socket) returns `Pending` with an immediate wake-up once it is spent, and a
        /// `block_on` that polls on wakes would spin forever.
        #[inline]
        pub(crate) fn unbudgeted<F: Future>(future: F) -> impl Future<Output = F::Output> {
            tokio::task::unconstrained(future)
        }
    } else {
        /// `future` as it is: without tokio in the build there is no budget to leave.
        #[inline(always)]
        pub(crate) fn unbudgeted<F: Future>(future: F) -> F {
            future
        }
    }
}
