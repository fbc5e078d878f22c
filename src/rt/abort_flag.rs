//! The rule for `abort` on a native handle that may still hand out the output of a task
//! that finished after the call (tokio's does): remember that `abort` came first, so the
//! output is kept only when the task had finished before, as on every other backend.
//!
//! The mark lives where the handle keeps it (tokio's: its cold state, beside the task's
//! meta). Every access to it is exclusive: the handle's `abort` runs under `JoinHandle`'s
//! lock (`StripedMutex`), and its await has `&mut`.

/// `abort` of a handle: unless `is_finished` says the task has finished, marks the handle
/// aborted (`mark`), and then calls `cancel`. Idempotent.
// Without tokio it is compiled for its loom model only.
#[cfg_attr(not(feature = "tokio"), allow(dead_code))]
#[inline]
pub(crate) fn abort(
    is_finished: impl FnOnce() -> bool,
    mark: impl FnOnce(),
    cancel: impl FnOnce(),
) {
    if !is_finished() {
        mark();
        cancel();
    }
}

/// Models of the protocol against a task that completes on another thread, under every
/// interleaving loom finds: `RUSTFLAGS="--cfg async_bridge_loom" cargo test --release --lib
/// loom` (see RELIABILITY.md).
#[cfg(all(test, async_bridge_loom))]
mod loom_model {
    use loom::sync::atomic::AtomicUsize;
    use loom::sync::{Arc, Mutex};
    use loom::thread;

    use crate::striped_mutex::StripedMutex;
    use crate::sync::Ordering;
    use crate::sync::loom_support::{Out, model};

    /// What a tokio task does with `abort`: a task not yet polled is cancelled; one being
    /// polled finishes its poll and keeps its output (tokio's JoinHandle then returns it).
    #[derive(Default)]
    struct Task {
        cancel_requested: bool,
        running: bool,
        finished: bool,
        output: Option<Out>,
    }

    struct Model {
        task: Mutex<Task>,
        drops: Arc<AtomicUsize>,
        produced: AtomicUsize,
    }

    impl Model {
        fn new() -> Arc<Self> {
            Arc::new(Model {
                task: Mutex::new(Task::default()),
                drops: Arc::new(AtomicUsize::new(0)),
                produced: AtomicUsize::new(0),
            })
        }

        /// The runtime polls the task once; it completes in that poll.
        fn run(&self) {
            {
                let mut task = self.task.lock().unwrap();
                if task.cancel_requested {
                    task.finished = true;
                    return;
                }
                task.running = true;
            }
            let out = Out(self.drops.clone());
            self.produced.fetch_add(1, Ordering::SeqCst);
            let mut task = self.task.lock().unwrap();
            task.running = false;
            task.output = Some(out);
            task.finished = true;
        }

        fn is_finished(&self) -> bool {
            self.task.lock().unwrap().finished
        }

        fn cancel(&self) {
            let mut task = self.task.lock().unwrap();
            if !task.finished {
                task.cancel_requested = true;
            }
        }
    }

    /// `abort` from `aborters` threads while the task runs on another; then the owner
    /// settles. Checks: the output is kept exactly when every `abort` found the task
    /// finished, and every output produced is dropped once.
    fn race(aborters: usize) {
        model(move || {
            let model = Model::new();
            let flag = Arc::new(StripedMutex::new(false));
            let runtime = {
                let model = model.clone();
                thread::spawn(move || model.run())
            };
            let threads: Vec<_> = (0..aborters)
                .map(|_| {
                    let (model, flag) = (model.clone(), flag.clone());
                    thread::spawn(move || {
                        let mut saw_finished = true;
                        flag.lock(|aborted| {
                            super::abort(
                                || {
                                    saw_finished = model.is_finished();
                                    saw_finished
                                },
                                || *aborted = true,
                                || model.cancel(),
                            )
                        });
                        saw_finished
                    })
                })
                .collect();
            runtime.join().unwrap();
            // Join every aborter before judging (`all` would stop at the first `false`).
            let saw: Vec<bool> = threads.into_iter().map(|t| t.join().unwrap()).collect();
            let all_after_finish = saw.iter().all(|&saw| saw);
            let flag = Arc::try_unwrap(flag)
                .unwrap_or_else(|_| unreachable!())
                .into_inner();
            // The owner awaits: tokio hands out the output if the task produced one.
            let output = model.task.lock().unwrap().output.take();
            let kept = match output {
                Some(out) if flag => {
                    drop(out);
                    false
                }
                Some(out) => {
                    drop(out);
                    true
                }
                None => false,
            };
            assert_eq!(
                kept, all_after_finish,
                "the output is kept exactly when the task finished before every abort"
            );
            assert_eq!(
                model.drops.load(Ordering::SeqCst),
                model.produced.load(Ordering::SeqCst),
                "every output produced is dropped exactly once"
            );
        });
    }

    #[test]
    fn loom_abort_races_completion() {
        race(1);
    }

    #[test]
    fn loom_two_aborts_race_completion() {
        race(2);
    }
}
