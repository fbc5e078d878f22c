//! The primitives of async-bridge's own lock and atomic protocols (the abort flag of
//! [`AbortFlag`](crate::rt::abort_flag::AbortFlag), the state of
//! [`TaskHandle`](crate::rt::async_task::TaskHandle)): std's, or loom's models when built
//! with `--cfg async_bridge_loom`, so that the loom tests explore every interleaving of the
//! real code. RELIABILITY.md has the command.
// Each backend uses a part: the atomic is tokio's, the lock async-task's.
#![allow(unused_imports)]

#[cfg(not(async_bridge_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(not(async_bridge_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

#[cfg(async_bridge_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, Ordering};
#[cfg(async_bridge_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

/// What the loom models of `abort_flag.rs` and `async_task.rs` share.
#[cfg(all(test, async_bridge_loom))]
pub(crate) mod loom_support {
    use loom::sync::Arc;
    use loom::sync::atomic::AtomicUsize;

    use super::Ordering;

    /// `loom::model`, with at most three preemptions per execution (the usual bound: bugs
    /// need few) unless `LOOM_MAX_PREEMPTIONS` says otherwise.
    pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(3);
        }
        builder.check(f);
    }

    /// An output that counts its drops.
    pub(crate) struct Out(pub(crate) Arc<AtomicUsize>);

    impl Drop for Out {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}
