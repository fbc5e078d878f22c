//! The twin `#[async_bridge::blocking]` writes for a small async client whose methods use
//! `spawn`, `sleep` and `spawn_blocking` inside: used from sync code, from inside every
//! runtime (every calling context of `tests/common/callers.rs`), from 8 threads × 1,000
//! calls, from a `static`, and dropped inside async code, on every backend.
#![cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]

#[macro_use]
mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::thread;
use std::time::Duration;

use async_bridge::{Runtime, RuntimeThread};

use common::callers::{CALLERS, Caller, call_from};
use common::deadline;

/// A small async client: a counter service whose calls hop through a task, a timer and
/// the blocking pool, as a real client's do (a connection task, a retry delay, a sync
/// codec).
#[derive(Debug)]
pub struct Client {
    total: Arc<AtomicU64>,
    calls: u64,
}

#[async_bridge::blocking]
impl Client {
    /// A client with a total of `start`.
    pub async fn connect(start: u64) -> Result<Self, String> {
        async_bridge::sleep(Duration::from_millis(1)).await;
        Ok(Client {
            total: Arc::new(AtomicU64::new(start)),
            calls: 0,
        })
    }

    /// Adds `x` through a spawned task and returns the new total.
    pub async fn add(&self, x: u64) -> u64 {
        let total = self.total.clone();
        async_bridge::spawn(async move { total.fetch_add(x, Ordering::SeqCst) + x })
            .await
            .expect("the task ran")
    }

    /// The total, read on the blocking pool after a short sleep.
    pub async fn total_later(&mut self) -> u64 {
        self.calls += 1;
        async_bridge::sleep(Duration::from_millis(1)).await;
        let total = self.total.clone();
        async_bridge::spawn_blocking(move || total.load(Ordering::SeqCst))
            .await
            .expect("the closure ran")
    }

    /// How many `total_later` calls this client served.
    pub async fn calls(&self) -> u64 {
        self.calls
    }
}

fn client_on<R: Runtime>(backend: R) -> ClientBlocking
where
    RuntimeThread: From<R>,
{
    let rt = RuntimeThread::from(backend);
    let client = rt.run(Client::connect(0)).unwrap();
    ClientBlocking::with_runtime(client, rt)
}

/// From sync code, then from inside every calling context.
fn the_twin_from_every_context<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let variant = common::variant_of(&backend).name();
    let mut client = client_on(backend);
    assert_eq!(client.add(2), 2);
    assert_eq!(client.total_later(), 2);
    let shared = Arc::new(client);
    for &caller in CALLERS {
        // Smol's global executor is the runtime here: a call from one of its tasks is the
        // one that could only deadlock (tests/runtime_thread.rs checks its panic).
        #[cfg(feature = "smol")]
        if caller == Caller::SmolTask && variant == "smol" {
            continue;
        }
        let client = shared.clone();
        let rt = client.runtime().clone();
        let out = deadline(60, &format!("the twin from {caller:?}"), move || {
            call_from(caller, &rt, move || client.add(1))
        });
        assert!(out >= 3, "{caller:?}: {out}");
    }
    let _ = variant;
}

/// 8 threads × 1,000 calls, each thread with its own `&mut` twin over one runtime, and
/// one twin shared by `&`.
fn eight_threads_a_thousand_calls<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let shared = Arc::new(client_on(backend));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let shared = shared.clone();
            thread::spawn(move || {
                let rt = shared.runtime().clone();
                let mut own = ClientBlocking::with_runtime(rt.run(Client::connect(0)).unwrap(), rt);
                for i in 0..1_000 {
                    shared.add(1);
                    if i % 100 == 0 {
                        own.total_later();
                    } else {
                        own.add(1);
                    }
                }
                own.calls()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 10);
    }
    assert_eq!(shared.add(0), 8_000);
}

/// Dropping the twin, the last owner of its `RuntimeThread`, inside async code.
fn dropping_the_twin_inside_async_code<R: Runtime>(backend: R)
where
    RuntimeThread: From<R>,
{
    let client = client_on(backend);
    assert_eq!(client.add(1), 1);
    deadline(60, "drop inside a tokio current-thread task", move || {
        call_from(
            Caller::TokioCurrentThreadTask,
            RuntimeThread::shared(),
            move || drop(client),
        )
    });
}

per_backend!(
    the_twin_from_every_context,
    eight_threads_a_thousand_calls,
    dropping_the_twin_inside_async_code,
);

static CLIENT: LazyLock<ClientBlocking> =
    LazyLock::new(|| ClientBlocking::connect(100).expect("connects"));

/// A twin in a `static`, on the shared `RuntimeThread`, from threads and from async code.
#[test]
fn a_twin_in_a_static() {
    let threads: Vec<_> = (0..4).map(|_| thread::spawn(|| CLIENT.add(1))).collect();
    for t in threads {
        assert!(t.join().unwrap() > 100);
    }
    let out = deadline(60, "the static twin from a tokio worker", || {
        call_from(Caller::TokioWorker, RuntimeThread::shared(), || {
            CLIENT.add(1)
        })
    });
    assert_eq!(out, 105);
}
