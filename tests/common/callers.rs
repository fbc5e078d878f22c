//! Where tests call a sync API from: every calling context `RuntimeThread::run` (and the
//! twins of `#[async_bridge::blocking]`) must work in.

use std::thread;

use async_bridge::RuntimeThread;

/// Where a test calls `run` from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    PlainThread,
    TokioWorker,
    TokioCurrentThreadBlockOn,
    TokioCurrentThreadTask,
    #[cfg(feature = "tokio")]
    BridgeTokioCurrentThreadBlockOn,
    #[cfg(feature = "smol")]
    SmolTask,
    #[cfg(feature = "async-std")]
    AsyncStdTask,
    AnotherRun,
    SameRun,
    DropInsideAsync,
}

pub const CALLERS: &[Caller] = &[
    Caller::PlainThread,
    Caller::TokioWorker,
    Caller::TokioCurrentThreadBlockOn,
    Caller::TokioCurrentThreadTask,
    #[cfg(feature = "tokio")]
    Caller::BridgeTokioCurrentThreadBlockOn,
    #[cfg(feature = "smol")]
    Caller::SmolTask,
    #[cfg(feature = "async-std")]
    Caller::AsyncStdTask,
    Caller::AnotherRun,
    Caller::SameRun,
    Caller::DropInsideAsync,
];

/// Runs `f` in the context `caller` and returns its output (a panic of `f` is re-raised).
pub fn call_from<R: Send + 'static>(
    caller: Caller,
    rt: &RuntimeThread,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    match caller {
        Caller::PlainThread => thread::spawn(f)
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p)),
        Caller::TokioWorker => {
            let tokio = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let out = tokio.block_on(tokio.spawn(async move { f() }));
            tokio.shutdown_background();
            out.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        }
        Caller::TokioCurrentThreadBlockOn => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move { f() }),
        Caller::TokioCurrentThreadTask => {
            let tokio = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            tokio
                .block_on(async move { tokio::spawn(async move { f() }).await })
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        }
        #[cfg(feature = "tokio")]
        Caller::BridgeTokioCurrentThreadBlockOn => {
            use async_bridge::BlockOn;
            // The row of "Where `block_on` may run" where `block_on` refuses.
            async_bridge::Tokio::current_thread().block_on(async move { f() })
        }
        #[cfg(feature = "smol")]
        Caller::SmolTask => {
            use async_bridge::{BlockOn, Smol, Spawn};
            let smol = Smol::global();
            smol.block_on(smol.spawn(async move { f() }))
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        }
        #[cfg(feature = "async-std")]
        Caller::AsyncStdTask => {
            use async_bridge::{AsyncStd, BlockOn, Spawn};
            let rt = AsyncStd::default();
            rt.block_on(rt.spawn(async move { f() }))
                .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        }
        Caller::AnotherRun => RuntimeThread::new().run(async move { f() }),
        Caller::SameRun => rt.run(async move { f() }),
        Caller::DropInsideAsync => {
            /// Calls its closure when dropped.
            struct OnDrop<F: FnOnce()>(Option<F>);
            impl<F: FnOnce()> Drop for OnDrop<F> {
                fn drop(&mut self) {
                    if let Some(f) = self.0.take() {
                        f();
                    }
                }
            }
            let (tx, rx) = std::sync::mpsc::channel();
            let guard = OnDrop(Some(move || {
                let _ = tx.send(f());
            }));
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(async move { drop(guard) });
            rx.recv().expect("the destructor ran")
        }
    }
}
