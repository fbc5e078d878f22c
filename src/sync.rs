//! The primitives of async-bridge's own lock protocol (the lock of
//! [`StripedMutex`](crate::striped_mutex::StripedMutex), which `JoinHandle`'s `abort` and
//! `is_finished` take): loom's models when built with `--cfg async_bridge_loom`, so that the
//! loom tests explore every interleaving of the real code (std's table of locks otherwise).
//! RELIABILITY.md has the command.

#[cfg(all(test, async_bridge_loom))]
pub(crate) use loom::sync::atomic::Ordering;
#[cfg(async_bridge_loom)]
pub(crate) use loom::sync::Mutex;

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
