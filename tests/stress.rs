//! Reliability under load and faults: nothing lost, nothing hung, nothing aborted.
//!
//! Eight scenarios (RELIABILITY.md says what each proves and what was measured), each on
//! every enabled backend and tokio flavour, each in two sizes:
//!
//! - `name::quick::<variant>` runs in every `cargo test` (small sizes, seconds in all);
//! - `name::full::<variant>` is `#[ignore]`d and has the sizes:
//!   `cargo test --all-features --release --test stress -- --ignored --nocapture`.
//!
//! Every variant runs under a deadline, so a hang fails with a message naming it. The
//! figures (tasks per second, memory, shutdown times) are printed; `--nocapture` shows them.
#![cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]

#[macro_use]
mod common;
#[macro_use]
#[path = "stress/support.rs"]
mod support;

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use async_bridge::{JoinHandle, Runtime, RuntimeHandle, Spawn, Timer};
use common::{CountDrop, wait_until};
use support::{BOMB, Bomb, Custom, Ledger, Rng, Size, Ticker, Variant, status_kib, until};

const MS: Duration = Duration::from_millis(1);

// ---------------------------------------------------------------------------------------
// 1. Volume: every output of a million tasks accounted for, memory flat.
// ---------------------------------------------------------------------------------------

stress!(volume, quick = 120, full = 1800, isolated);

fn volume(backend: Variant, size: Size) {
    with_runtime!(backend, rt => volume_on(rt, size));
}

/// A task's output: its number, and a value whose drop its ledger records.
type Numbered = (usize, support::Entry);

fn spawn_batch<R: Runtime>(
    rt: &R,
    first: usize,
    len: usize,
    futures: &Arc<Ledger>,
    outputs: &Arc<Ledger>,
) -> Vec<JoinHandle<Numbered>> {
    (first..first + len)
        .map(|n| {
            let alive = futures.entry(n);
            let output = outputs.entry(n);
            rt.spawn(async move {
                let _alive = alive;
                if n % 2 == 0 {
                    async_bridge::yield_now().await;
                }
                (n, output)
            })
        })
        .collect()
}

fn volume_on<R: Runtime + Debug>(rt: R, size: Size) {
    let batch = size.pick(2_000, 10_000);
    let batches = size.pick(10, 100);
    let total = batch * batches;
    let futures = Ledger::new(total);
    let outputs = Ledger::new(total);
    let rss_start = status_kib("VmRSS");
    let mut rss = Vec::with_capacity(batches);
    let start = Instant::now();
    rt.block_on(async {
        for b in 0..batches {
            let first = b * batch;
            // Every other batch is spawned from inside a task (a worker thread).
            let handles = if b % 2 == 0 {
                spawn_batch(&rt, first, batch, &futures, &outputs)
            } else {
                let (inner, f, o) = (rt.clone(), futures.clone(), outputs.clone());
                rt.spawn(async move { spawn_batch(&inner, first, batch, &f, &o) })
                    .await
                    .expect("the spawning task")
            };
            for (i, handle) in handles.into_iter().enumerate() {
                match handle.await {
                    Ok((n, output)) => {
                        assert_eq!(n, first + i, "a handle resolved to another task's output");
                        drop(output);
                    }
                    Err(err) => panic!("task {} failed: {err}", first + i),
                }
            }
            rss.push(status_kib("VmRSS"));
        }
    });
    let elapsed = start.elapsed();
    assert_eq!(futures.dropped(), total, "every task's future is dropped");
    assert_eq!(outputs.dropped(), total, "every output is accounted for");
    assert_eq!(
        futures.twice() + outputs.twice(),
        0,
        "a value was dropped twice"
    );

    // Memory: the second half of the batches must not grow the resident set (a leak per
    // finished task would).
    let half = rss[batches / 2 - 1];
    let end = *rss.last().expect("batches ran");
    let growth = end.saturating_sub(half);
    let per_task = growth as f64 * 1024.0 / (total - total / 2) as f64;
    println!(
        "[stress] volume {rt:?}: {total} tasks in {elapsed:.2?} = {:.0} tasks/s; VmRSS {rss_start} KiB \
         at start, {half} KiB after half, {end} KiB at the end (second half: {growth:+} KiB, \
         {per_task:.1} B/task); VmHWM {} KiB",
        total as f64 / elapsed.as_secs_f64(),
        status_kib("VmHWM"),
    );
    assert!(
        growth < 16 * 1024,
        "the resident set grew by {growth} KiB over the second half ({per_task:.1} bytes per \
         finished task): memory is kept per finished task"
    );
}

// ---------------------------------------------------------------------------------------
// 2. Concurrency: 16 threads spawning, aborting and awaiting at once.
// ---------------------------------------------------------------------------------------

stress!(concurrency, quick = 120, full = 600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Value,
    Panic,
    Pending,
    Sleep,
    Blocking,
    BlockingPanic,
}

const KINDS: [Kind; 6] = [
    Kind::Value,
    Kind::Panic,
    Kind::Pending,
    Kind::Sleep,
    Kind::Blocking,
    Kind::BlockingPanic,
];

struct Spawned {
    kind: Kind,
    id: u64,
    aborted: bool,
    handle: JoinHandle<u64>,
}

impl Spawned {
    fn abort(&mut self) {
        self.handle.abort();
        self.aborted = true;
    }
}

#[derive(Default)]
struct Tally {
    spawned: AtomicUsize,
    ok: AtomicUsize,
    cancelled: AtomicUsize,
    panicked: AtomicUsize,
    dropped: Arc<AtomicUsize>,
}

fn spawn_kind<R: Runtime>(rt: &R, kind: Kind, id: u64, tally: &Tally) -> Spawned {
    tally.spawned.fetch_add(1, Ordering::SeqCst);
    let alive = CountDrop(tally.dropped.clone());
    let handle = match kind {
        Kind::Value => rt.spawn(async move {
            let _alive = alive;
            async_bridge::yield_now().await;
            id
        }),
        Kind::Panic => rt.spawn(async move {
            let _alive = alive;
            async_bridge::yield_now().await;
            panic!("stress: {id}")
        }),
        Kind::Pending => rt.spawn(async move {
            let _alive = alive;
            std::future::pending::<u64>().await
        }),
        Kind::Sleep => {
            let sleep = rt.sleep(Duration::from_micros(id % 2_000));
            rt.spawn(async move {
                let _alive = alive;
                sleep.await;
                id
            })
        }
        Kind::Blocking => rt.spawn_blocking(move || {
            let _alive = alive;
            id
        }),
        Kind::BlockingPanic => rt.spawn_blocking(move || {
            let _alive = alive;
            panic!("stress: {id}")
        }),
    };
    Spawned {
        kind,
        id,
        aborted: false,
        handle,
    }
}

/// Awaits one handle and checks its outcome against what was spawned and done to it.
async fn settle(s: Spawned, tally: &Tally) {
    let Spawned {
        kind,
        id,
        aborted,
        handle,
    } = s;
    match handle.await {
        Ok(v) => {
            assert_eq!(v, id, "{kind:?} {id} resolved to another task's output");
            assert!(
                matches!(kind, Kind::Value | Kind::Sleep | Kind::Blocking),
                "{kind:?} {id} resolved Ok"
            );
            tally.ok.fetch_add(1, Ordering::SeqCst);
        }
        Err(err) if err.is_cancelled() => {
            assert!(aborted, "{kind:?} {id} was cancelled but never aborted");
            tally.cancelled.fetch_add(1, Ordering::SeqCst);
        }
        Err(err) => {
            assert!(err.is_panic(), "{err:?}");
            assert!(
                matches!(kind, Kind::Panic | Kind::BlockingPanic),
                "{kind:?} {id} panicked: {err}"
            );
            let payload = err.into_panic();
            assert_eq!(
                payload.downcast_ref::<String>().map(String::as_str),
                Some(format!("stress: {id}").as_str()),
                "the panic payload is the task's own"
            );
            tally.panicked.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn concurrency(backend: Variant, size: Size) {
    with_runtime!(backend, rt => concurrency_on(rt, size));
}

fn concurrency_on<R: Runtime + Debug>(rt: R, size: Size) {
    const THREADS: usize = 16;
    let run_for = size.pick(Duration::from_millis(1_500), Duration::from_secs(5));
    let tally = Arc::new(Tally::default());
    // Handles change threads through this queue: spawned on one, awaited on another.
    let exchange: Arc<Mutex<Vec<Spawned>>> = Arc::default();
    let barrier = Arc::new(Barrier::new(THREADS));
    let start = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (rt, tally, exchange, barrier) =
                (rt.clone(), tally.clone(), exchange.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                let start = Instant::now();
                rt.block_on(async {
                    let mut rng = Rng::new(t as u64 + 1);
                    let mut next = (t as u64) << 40;
                    while start.elapsed() < run_for {
                        let mut mine: Vec<Spawned> = (0..16)
                            .map(|_| {
                                next += 1;
                                let kind = KINDS[rng.below(KINDS.len() as u64) as usize];
                                spawn_kind(&rt, kind, next, &tally)
                            })
                            .collect();
                        // Abort some at once, more after the tasks had a chance to run,
                        // and every pending one (nothing else would end it).
                        for s in &mut mine {
                            if rng.below(8) == 0 {
                                s.abort();
                            }
                        }
                        async_bridge::yield_now().await;
                        for s in &mut mine {
                            if s.kind == Kind::Pending || rng.below(4) == 0 {
                                s.abort();
                            }
                        }
                        // Hand half to the other threads; take what they left.
                        let taken: Vec<Spawned> = {
                            let mut queue = exchange.lock().unwrap();
                            queue.extend(mine.drain(8..));
                            let n = queue.len().min(8);
                            queue.drain(..n).collect()
                        };
                        for mut s in mine.into_iter().chain(taken) {
                            if rng.below(16) == 0 {
                                s.abort(); // a second abort, or a first one on a foreign handle
                            }
                            settle(s, &tally).await;
                        }
                    }
                });
            })
        })
        .collect();
    for worker in workers {
        if let Err(payload) = worker.join() {
            std::panic::resume_unwind(payload);
        }
    }
    let leftovers = std::mem::take(&mut *exchange.lock().unwrap());
    rt.block_on(async {
        for s in leftovers {
            settle(s, &tally).await;
        }
    });
    let elapsed = start.elapsed();
    let spawned = tally.spawned.load(Ordering::SeqCst);
    let (ok, cancelled, panicked) = (
        tally.ok.load(Ordering::SeqCst),
        tally.cancelled.load(Ordering::SeqCst),
        tally.panicked.load(Ordering::SeqCst),
    );
    assert_eq!(
        ok + cancelled + panicked,
        spawned,
        "every handle resolves exactly once"
    );
    wait_until("every future and closure is dropped", || {
        tally.dropped.load(Ordering::SeqCst) >= spawned
    });
    assert_eq!(tally.dropped.load(Ordering::SeqCst), spawned);
    println!(
        "[stress] concurrency {rt:?}: {THREADS} threads, {spawned} handles in {elapsed:.2?} \
         ({:.0}/s): {ok} ok, {cancelled} cancelled, {panicked} panicked",
        spawned as f64 / elapsed.as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------
// 3. Abort races: abort racing with completion.
// ---------------------------------------------------------------------------------------

stress!(abort_races, quick = 120, full = 900);

/// A raced task's output.
struct Raced {
    n: usize,
    _output: support::Entry,
}

fn abort_races(backend: Variant, size: Size) {
    with_runtime!(backend, rt => abort_races_on(rt, size));
}

fn abort_races_on<R: Runtime + Debug>(rt: R, size: Size) {
    let rounds = size.pick(5_000, 100_000);
    let futures = Ledger::new(rounds);
    let outputs = Ledger::new(rounds);
    let produced = Arc::new(AtomicUsize::new(0));
    // A thread that aborts the handles it is given, racing the task and this thread.
    type Job = (Arc<JoinHandle<Raced>>, mpsc::Sender<bool>);
    let (to_aborter, inbox) = mpsc::channel::<Job>();
    let aborter = thread::spawn(move || {
        for (handle, done) in inbox {
            let finished = handle.is_finished();
            handle.abort();
            drop(handle);
            let _ = done.send(finished);
        }
    });
    let (mut kept, mut cancelled) = (0, 0);
    let start = Instant::now();
    rt.block_on(async {
        for n in 0..rounds {
            let alive = futures.entry(n);
            let (outputs, produced) = (outputs.clone(), produced.clone());
            let way = n % 5;
            let handle = if way == 4 {
                rt.spawn_blocking(move || {
                    let _alive = alive;
                    produced.fetch_add(1, Ordering::SeqCst);
                    Raced {
                        n,
                        _output: outputs.entry(n),
                    }
                })
            } else {
                rt.spawn(async move {
                    let _alive = alive;
                    if n % 2 == 1 {
                        async_bridge::yield_now().await;
                    }
                    produced.fetch_add(1, Ordering::SeqCst);
                    Raced {
                        n,
                        _output: outputs.entry(n),
                    }
                })
            };
            // `finished_first`: the task was seen finished before abort was called, so its
            // output must be kept.
            let (handle, finished_first) = match way {
                0 => {
                    handle.abort();
                    (handle, false)
                }
                1 => {
                    for _ in 0..(n / 5) % 4 {
                        async_bridge::yield_now().await;
                    }
                    let finished = handle.is_finished();
                    handle.abort();
                    (handle, finished)
                }
                2 => {
                    for _ in 0..(n / 5) % 200 {
                        std::hint::spin_loop();
                    }
                    let finished = handle.is_finished();
                    handle.abort();
                    (handle, finished)
                }
                3 => {
                    let shared = Arc::new(handle);
                    let (done, finished) = mpsc::channel();
                    to_aborter
                        .send((shared.clone(), done))
                        .expect("the aborter thread is there");
                    // Race the aborter on this handle's lock.
                    for _ in 0..(n / 5) % 64 {
                        let _ = shared.is_finished();
                    }
                    let finished = finished.recv().expect("the aborter answers");
                    let handle = Arc::try_unwrap(shared)
                        .unwrap_or_else(|_| panic!("the aborter dropped its clone"));
                    (handle, finished)
                }
                _ => {
                    let finished = handle.is_finished();
                    handle.abort();
                    (handle, finished)
                }
            };
            match handle.await {
                Ok(raced) => {
                    assert_eq!(raced.n, n, "round {n}: another task's output");
                    kept += 1;
                }
                Err(err) => {
                    assert!(err.is_cancelled(), "round {n}: {err:?}");
                    assert!(
                        !finished_first,
                        "round {n} (way {way}): the task had finished before abort, yet its \
                         output was lost"
                    );
                    cancelled += 1;
                }
            }
        }
    });
    let elapsed = start.elapsed();
    drop(to_aborter);
    aborter.join().expect("the aborter thread");
    wait_until("every raced future is dropped", || {
        futures.dropped() == rounds
    });
    wait_until("every produced output is dropped", || {
        outputs.dropped() == produced.load(Ordering::SeqCst)
    });
    assert_eq!(
        futures.twice() + outputs.twice(),
        0,
        "a future or an output was dropped twice"
    );
    println!(
        "[stress] abort races {rt:?}: {rounds} rounds in {elapsed:.2?} ({:.0}/s): output kept \
         {kept}, cancelled {cancelled}; {} outputs produced, each dropped once",
        rounds as f64 / elapsed.as_secs_f64(),
        produced.load(Ordering::SeqCst),
    );
}

// ---------------------------------------------------------------------------------------
// 4. Panic storms.
// ---------------------------------------------------------------------------------------

stress!(panic_storm, quick = 120, full = 900);

/// What a storm handle must resolve to.
#[derive(Debug)]
enum Expect {
    Str(&'static str),
    String(String),
    Custom(usize),
    Cancelled,
}

fn check(expect: Expect, res: Result<(), async_bridge::JoinError>) {
    let err = match res {
        Ok(()) => panic!("expected {expect:?}, got Ok"),
        Err(err) => err,
    };
    if let Expect::Cancelled = expect {
        assert!(err.is_cancelled(), "expected a cancellation, got {err:?}");
        return;
    }
    assert!(err.is_panic(), "expected {expect:?}, got {err:?}");
    let payload = err.into_panic();
    match expect {
        Expect::Str(s) => assert_eq!(payload.downcast_ref::<&str>(), Some(&s)),
        Expect::String(s) => assert_eq!(payload.downcast_ref::<String>(), Some(&s)),
        Expect::Custom(n) => assert_eq!(payload.downcast_ref::<Custom>(), Some(&Custom(n))),
        Expect::Cancelled => unreachable!(),
    }
}

fn panic_storm(backend: Variant, size: Size) {
    with_runtime!(backend, rt => panic_storm_on(rt, size));
}

fn panic_storm_on<R: Runtime + Debug>(rt: R, size: Size) {
    let tasks = size.pick(1_000, 10_000);
    let closures = size.pick(100, 1_000);
    // Destructors that went off in detached work, where the runtime drops the value.
    let bombs = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    rt.block_on(async {
        let ticker = Ticker::start(&rt, MS);
        let mut handles: Vec<(Expect, JoinHandle<()>)> = Vec::new();
        let mut detached = 0;
        // Each made where it is used: a bomb dropped here would go off on this thread.
        let bomb = || Bomb(Some(bombs.clone()));
        for i in 0..tasks {
            match i % 8 {
                0 => handles.push((
                    Expect::Str("stress: static"),
                    rt.spawn(async {
                        async_bridge::yield_now().await;
                        panic!("stress: static")
                    }),
                )),
                1 => handles.push((
                    Expect::String(format!("stress: task {i}")),
                    rt.spawn(async move { panic!("stress: task {i}") }),
                )),
                2 => handles.push((
                    Expect::Custom(i),
                    rt.spawn(async move { std::panic::panic_any(Custom(i)) }),
                )),
                // The task panics while holding a value whose destructor panics: the
                // payload is the task's, not the destructor's.
                3 => {
                    let bomb = bomb();
                    let handle = rt.spawn(async move {
                        let _bomb = bomb;
                        async_bridge::yield_now().await;
                        panic!("stress: task {i} with a bomb")
                    });
                    let expect = Expect::String(format!("stress: task {i} with a bomb"));
                    handles.push((expect, handle));
                }
                // The task's own destructor panics as it finishes.
                4 => {
                    let bomb = bomb();
                    let handle = rt.spawn(async move {
                        let _bomb = bomb;
                        async_bridge::yield_now().await;
                    });
                    handles.push((Expect::Str(BOMB), handle));
                }
                // Aborted: the destructor panics on the runtime's thread.
                5 => {
                    let bomb = bomb();
                    let handle = rt.spawn(async move {
                        let _bomb = bomb;
                        std::future::pending::<()>().await;
                    });
                    if i % 16 == 5 {
                        async_bridge::yield_now().await;
                    }
                    handle.abort();
                    handles.push((Expect::Cancelled, handle));
                }
                // Detached: the runtime drops an output whose destructor panics.
                6 => {
                    detached += 1;
                    let bomb = bomb();
                    rt.spawn(async move { bomb }).detach();
                }
                // Detached: the runtime drops a panic payload whose destructor panics.
                _ => {
                    detached += 1;
                    let bomb = bomb();
                    rt.spawn(async move {
                        async_bridge::yield_now().await;
                        std::panic::panic_any(bomb)
                    })
                    .detach();
                }
            }
        }
        for i in 0..closures {
            match i % 6 {
                0 => handles.push((
                    Expect::Str("stress: static"),
                    rt.spawn_blocking(|| panic!("stress: static")),
                )),
                1 => handles.push((
                    Expect::String(format!("stress: closure {i}")),
                    rt.spawn_blocking(move || panic!("stress: closure {i}")),
                )),
                2 => handles.push((
                    Expect::Custom(i),
                    rt.spawn_blocking(move || std::panic::panic_any(Custom(i))),
                )),
                // The closure's captured value panics as the closure returns.
                3 => {
                    let bomb = bomb();
                    let handle = rt.spawn_blocking(move || {
                        let _bomb = bomb;
                    });
                    handles.push((Expect::Str(BOMB), handle));
                }
                4 => {
                    detached += 1;
                    let bomb = bomb();
                    rt.spawn_blocking(move || bomb).detach();
                }
                _ => {
                    detached += 1;
                    let bomb = bomb();
                    rt.spawn_blocking(move || std::panic::panic_any(bomb))
                        .detach();
                }
            }
        }
        let spawned = handles.len();
        for (expect, handle) in handles {
            check(expect, handle.await);
        }
        // Tasks aborted (`5`) and closures (`3`) set theirs off where we can see them too;
        // the detached ones must all have gone off, on the runtime's threads.
        until(
            &rt,
            "every detached destructor went off",
            Duration::from_secs(30),
            || bombs.load(Ordering::SeqCst) >= detached,
        )
        .await;
        // The runtime keeps serving: new work runs, the ticker keeps ticking.
        let ticks = ticker.ticks();
        assert_eq!(rt.spawn(async { 7 }).await.unwrap(), 7);
        assert_eq!(rt.spawn_blocking(|| 8).await.unwrap(), 8);
        until(
            &rt,
            "the ticker ticks after the storm",
            Duration::from_secs(10),
            || ticker.ticks() > ticks + 5,
        )
        .await;
        let ticks = ticker.stop().await;
        println!(
            "[stress] panic storm {rt:?}: {tasks} tasks and {closures} closures ({spawned} \
             awaited, {detached} detached) in {:.2?}; {} panicking destructors; ticker ticked \
             {ticks} times",
            start.elapsed(),
            bombs.load(Ordering::SeqCst),
        );
    });
}

// ---------------------------------------------------------------------------------------
// 5. Blocking-pool saturation.
// ---------------------------------------------------------------------------------------

stress!(blocking_saturation, quick = 120, full = 900);

/// Closed until opened; waiters give up after two minutes, so a failed test never holds
/// the process-wide pool for good.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let limit = Instant::now() + Duration::from_secs(120);
        let mut open = self.open.lock().unwrap();
        while !*open {
            let left = limit.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            open = self.opened.wait_timeout(open, left).unwrap().0;
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

fn blocking_saturation(backend: Variant, size: Size) {
    with_runtime!(backend, rt => blocking_saturation_on(rt, size));
}

fn blocking_saturation_on<R: Runtime + Debug>(rt: R, size: Size) {
    let closures = size.pick(1_500, 10_000);
    let gate = Arc::new(Gate::default());
    let started = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let ticker = Ticker::start(&rt, MS);
        let t0 = Instant::now();
        let handles: Vec<JoinHandle<usize>> = (0..closures)
            .map(|i| {
                let (gate, started, finished) = (gate.clone(), started.clone(), finished.clone());
                rt.spawn_blocking(move || {
                    started.fetch_add(1, Ordering::SeqCst);
                    gate.wait();
                    finished.fetch_add(1, Ordering::SeqCst);
                    i
                })
            })
            .collect();
        // Let the pool fill up: until the number of started closures stops growing.
        let (mut busy, mut stable_since) = (0, Instant::now());
        loop {
            rt.sleep(20 * MS).await;
            let now = started.load(Ordering::SeqCst);
            if now != busy {
                (busy, stable_since) = (now, Instant::now());
            } else if busy > 0 && stable_since.elapsed() > Duration::from_millis(300) {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "the blocking pool never settled"
            );
        }
        let filled = t0.elapsed();
        assert!(
            busy < closures,
            "all {closures} closures started at once: the pool was not saturated"
        );
        // Every pool thread is taken: async work must still run, timers still fire.
        let ticks = ticker.ticks();
        let quick: Vec<JoinHandle<usize>> = (0..100)
            .map(|i| {
                rt.spawn(async move {
                    async_bridge::yield_now().await;
                    i
                })
            })
            .collect();
        let mut sum = 0;
        for h in quick {
            sum += h.await.expect("an async task while the pool is saturated");
        }
        assert_eq!(sum, (0..100).sum::<usize>());
        rt.sleep(Duration::from_millis(200)).await;
        let ticked = ticker.ticks() - ticks;
        assert!(
            ticked >= 10,
            "the ticker ticked {ticked} times in 200ms while the pool was saturated"
        );
        assert_eq!(
            finished.load(Ordering::SeqCst),
            0,
            "the pool stayed saturated throughout the check"
        );
        gate.open();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.await.expect("a blocking closure"), i);
        }
        let total = t0.elapsed();
        let gap = ticker.max_gap();
        ticker.stop().await;
        println!(
            "[stress] blocking saturation {rt:?}: {closures} closures, {busy} ran at once \
             (filled in {filled:.2?}); {ticked} ticks in 200ms while saturated; all done in \
             {total:.2?}; longest tick gap {gap:.2?}"
        );
    });
}

// ---------------------------------------------------------------------------------------
// 6. Shutdown.
// ---------------------------------------------------------------------------------------

stress!(shutdown, quick = 120, full = 900);

fn shutdown(backend: Variant, size: Size) {
    match backend.name() {
        #[cfg(feature = "tokio")]
        "tokio_multi_thread" => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .max_blocking_threads(4)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            drop_owned(async_bridge::Tokio::from_runtime(runtime), 4, size);
        }
        #[cfg(feature = "tokio")]
        "tokio_current_thread" => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .max_blocking_threads(4)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            drop_owned(async_bridge::Tokio::from_runtime(runtime), 4, size);
        }
        #[cfg(feature = "smol")]
        "smol" => {
            // A dedicated executor is owned; the global one lives for the process.
            drop_owned(async_bridge::Smol::with_threads(2), 0, size);
            abort_everything(async_bridge::Smol::global(), size);
        }
        // async-std's runtime is global and cannot be dropped: what can end its work is
        // abort.
        #[cfg(feature = "async-std")]
        "async_std" => abort_everything(async_bridge::AsyncStd::new(), size),
        other => unreachable!("the variant {other} has no shutdown scenario"),
    }
}

/// Pending tasks of every sort: long sleeps, ticking loops, pending forever.
fn pending_tasks<R: Runtime>(rt: &R, n: usize, alive: &Arc<Ledger>) -> Vec<JoinHandle<()>> {
    (0..n)
        .map(|i| {
            let alive = alive.entry(i);
            match i % 3 {
                // Made outside the task: a task holding a clone of its owning runtime would
                // keep it alive (as documented).
                0 => {
                    let sleep = rt.sleep(Duration::from_secs(3_600));
                    rt.spawn(async move {
                        let _alive = alive;
                        sleep.await;
                    })
                }
                // The free function's timer is the runtime the task is on.
                1 => rt.spawn(async move {
                    let _alive = alive;
                    loop {
                        async_bridge::sleep(MS).await;
                    }
                }),
                _ => rt.spawn(async move {
                    let _alive = alive;
                    std::future::pending::<()>().await;
                }),
            }
        })
        .collect()
}

/// `running` blocking closures stuck at `gate`, and `queued` more that find no thread.
fn stuck_closures<R: Runtime>(
    rt: &R,
    running: usize,
    queued: usize,
    gate: &Arc<Gate>,
    started: &Arc<AtomicUsize>,
) -> Vec<JoinHandle<usize>> {
    (0..running + queued)
        .map(|i| {
            let (gate, started) = (gate.clone(), started.clone());
            rt.spawn_blocking(move || {
                started.fetch_add(1, Ordering::SeqCst);
                gate.wait();
                i
            })
        })
        .collect()
}

/// Drops the last owner of `rt` while it has pending tasks, sleeping timers and running
/// (and, with a bounded `pool`, queued) blocking closures.
#[cfg(any(feature = "tokio", feature = "smol"))]
fn drop_owned<R: Runtime + Debug>(rt: R, pool: usize, size: Size) {
    let tasks = size.pick(3_000, 100_000);
    let name = format!("{rt:?}");
    let alive = Ledger::new(tasks);
    let handles = pending_tasks(&rt, tasks, &alive);
    let gate = Arc::new(Gate::default());
    let started = Arc::new(AtomicUsize::new(0));
    let (running, queued) = if pool > 0 { (pool, 16) } else { (8, 0) };
    let stuck = stuck_closures(&rt, running, queued, &gate, &started);
    // Let everything get going (a current-thread runtime runs its tasks inside block_on).
    rt.block_on(rt.sleep(20 * MS));
    wait_until("the blocking closures start", || {
        started.load(Ordering::SeqCst) >= running
    });
    thread::sleep(10 * MS);
    assert_eq!(started.load(Ordering::SeqCst), running, "the pool is full");

    let t = Instant::now();
    drop(rt);
    let drop_time = t.elapsed();
    assert!(
        drop_time < Duration::from_secs(5),
        "dropping {name} took {drop_time:?}"
    );

    // Every task handle resolves, cancelled, and every future is dropped.
    let t = Instant::now();
    futures_lite::future::block_on(async {
        for (i, h) in handles.into_iter().enumerate() {
            let err = h.await.expect_err("a pending task of a dropped runtime");
            assert!(err.is_cancelled(), "task {i}: {err:?}");
        }
    });
    let resolved = t.elapsed();
    wait_until("every pending future is dropped", || {
        alive.dropped() == tasks
    });
    assert_eq!(alive.twice(), 0);

    // The running closures are not interrupted: released, they finish and their handles
    // resolve. Closures still queued may run then too (tokio runs its queue as threads free
    // up; smol's pool is process-wide): each handle resolves, to its output or cancelled.
    gate.open();
    let t = Instant::now();
    let (mut ran, mut skipped) = (0, 0);
    futures_lite::future::block_on(async {
        for (i, h) in stuck.into_iter().enumerate() {
            match h.await {
                Ok(out) => {
                    assert_eq!(out, i);
                    ran += 1;
                }
                Err(err) => {
                    assert!(err.is_cancelled(), "{err:?}");
                    skipped += 1;
                }
            }
        }
    });
    let closures = t.elapsed();
    println!(
        "[stress] shutdown {name}: drop returned in {drop_time:.2?} with {tasks} pending tasks \
         and {running} running + {queued} queued blocking closures; all task handles resolved \
         (cancelled) {resolved:.2?} later; closures resolved {closures:.2?} after release \
         ({ran} ran, {skipped} cancelled)"
    );
}

/// On a runtime that cannot be dropped, abort is what ends work: every handle resolves.
#[cfg(any(feature = "smol", feature = "async-std"))]
fn abort_everything<R: Runtime + Debug>(rt: R, size: Size) {
    let tasks = size.pick(3_000, 100_000);
    let alive = Ledger::new(tasks);
    let handles = pending_tasks(&rt, tasks, &alive);
    let gate = Arc::new(Gate::default());
    let started = Arc::new(AtomicUsize::new(0));
    let stuck = stuck_closures(&rt, 8, 0, &gate, &started);
    rt.block_on(rt.sleep(20 * MS));
    wait_until("the blocking closures start", || {
        started.load(Ordering::SeqCst) >= 8
    });
    let t = Instant::now();
    for h in &handles {
        h.abort();
    }
    for h in &stuck {
        h.abort();
    }
    futures_lite::future::block_on(async {
        for (i, h) in handles.into_iter().enumerate() {
            let err = h.await.expect_err("an aborted pending task");
            assert!(err.is_cancelled(), "task {i}: {err:?}");
        }
    });
    let resolved = t.elapsed();
    wait_until("every aborted future is dropped", || {
        alive.dropped() == tasks
    });
    assert_eq!(alive.twice(), 0);
    gate.open();
    futures_lite::future::block_on(async {
        for h in stuck {
            // Started closures run to their end; aborted first, their output is dropped.
            assert!(h.await.expect_err("an aborted closure").is_cancelled());
        }
    });
    println!(
        "[stress] shutdown by abort {rt:?}: {tasks} pending tasks and 8 running closures \
         aborted; all task handles resolved in {resolved:.2?}"
    );
}

// ---------------------------------------------------------------------------------------
// 7. Nested and cross-runtime calls at scale.
// ---------------------------------------------------------------------------------------

stress!(block_on_from_many_threads, quick = 120, full = 900);

fn block_on_from_many_threads(backend: Variant, size: Size) {
    with_runtime!(backend, rt => block_on_from_many_threads_on(rt, size));
}

fn block_on_from_many_threads_on<R: Runtime + Debug>(rt: R, size: Size) {
    const THREADS: usize = 64;
    let rounds = size.pick(5, 200);
    let barrier = Arc::new(Barrier::new(THREADS));
    let start = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (rt, barrier) = (rt.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                for r in 0..rounds {
                    let out = rt.block_on(async {
                        let task = rt.spawn(async move {
                            async_bridge::yield_now().await;
                            t * 1_000
                        });
                        let closure = rt.spawn_blocking(move || r);
                        rt.sleep(Duration::from_micros(100)).await;
                        task.await.unwrap() + closure.await.unwrap()
                    });
                    assert_eq!(out, t * 1_000 + r, "thread {t}, round {r}");
                }
            })
        })
        .collect();
    for t in threads {
        if let Err(payload) = t.join() {
            std::panic::resume_unwind(payload);
        }
    }
    println!(
        "[stress] block_on from {THREADS} threads {rt:?}: {} block_on calls in {:.2?}",
        THREADS * rounds,
        start.elapsed()
    );
}

stress!(nested_block_on, quick = 120, full = 900);

/// A task that, unless `depth` is 0, blocks in `spawn_blocking` on a `block_on` of the next
/// level's task. Resolves to the number of levels below it.
fn level<R: Runtime>(rt: R, depth: usize, levels: Arc<AtomicUsize>) -> JoinHandle<usize> {
    let spawner = rt.clone();
    spawner.spawn(async move {
        levels.fetch_add(1, Ordering::SeqCst);
        if depth == 0 {
            return 0;
        }
        let inner = rt.clone();
        rt.spawn_blocking(move || {
            let next = level(inner.clone(), depth - 1, levels);
            inner.block_on(next).expect("the next level") + 1
        })
        .await
        .expect("the blocking level")
    })
}

fn nested_block_on(backend: Variant, size: Size) {
    with_runtime!(backend, rt => nested_block_on_on(rt, size));
}

fn nested_block_on_on<R: Runtime + Debug>(rt: R, size: Size) {
    // Each level holds a pool thread while it waits: chains run two at a time, well within
    // every pool (tokio's 512, the `blocking` crate's 500).
    let (chains, depth) = size.pick((4, 25), (10, 100));
    let levels = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    rt.block_on(async {
        for _ in 0..chains / 2 {
            let a = level(rt.clone(), depth, levels.clone());
            let b = level(rt.clone(), depth, levels.clone());
            assert_eq!(a.await.expect("a chain"), depth);
            assert_eq!(b.await.expect("a chain"), depth);
        }
    });
    assert_eq!(levels.load(Ordering::SeqCst), chains * (depth + 1));
    println!(
        "[stress] nested block_on {rt:?}: {chains} chains of {depth} block_on-in-spawn_blocking \
         levels ({} in total) in {:.2?}",
        chains * depth,
        start.elapsed()
    );
}

stress!(cross_runtime, quick = 120, full = 900);

/// Other runtimes to cross with: every enabled backend that runs its tasks on threads of
/// its own (not a current-thread runtime, whose tasks run only inside its `block_on`).
fn others() -> Vec<RuntimeHandle> {
    vec![
        #[cfg(feature = "tokio")]
        RuntimeHandle::new(async_bridge::Tokio::multi_thread(2)),
        #[cfg(feature = "smol")]
        RuntimeHandle::new(async_bridge::Smol::default()),
        #[cfg(feature = "smol")]
        RuntimeHandle::new(async_bridge::Smol::with_threads(1)),
        #[cfg(feature = "async-std")]
        RuntimeHandle::new(async_bridge::AsyncStd::new()),
    ]
}

fn cross_runtime(backend: Variant, size: Size) {
    with_runtime!(backend, rt => cross_runtime_on(rt, size));
}

fn cross_runtime_on<R: Runtime + Debug>(rt: R, size: Size) {
    let n = size.pick(500, 10_000);
    let others = others();
    let start = Instant::now();
    rt.block_on(async {
        for other in &others {
            let handles: Vec<JoinHandle<usize>> = (0..n)
                .map(|i| {
                    let (here, there) = (rt.clone(), other.clone());
                    if i % 2 == 0 {
                        // A task here awaits a task there, which sleeps on its own timer.
                        rt.spawn(async move {
                            let sleep = there.sleep(Duration::from_micros(50));
                            let inner = there.spawn(async move {
                                sleep.await;
                                i
                            });
                            inner.await.expect("the task on the other runtime") * 2
                        })
                    } else {
                        // And the reverse.
                        other.spawn(async move {
                            let sleep = here.sleep(Duration::from_micros(50));
                            let inner = here.spawn(async move {
                                sleep.await;
                                i
                            });
                            inner.await.expect("the task on this runtime") * 2
                        })
                    }
                })
                .collect();
            for (i, h) in handles.into_iter().enumerate() {
                assert_eq!(h.await.expect("a crossing task"), i * 2);
            }
        }
    });
    println!(
        "[stress] cross-runtime {rt:?}: {} crossing awaits with {} other runtimes in {:.2?}",
        n * others.len(),
        others.len(),
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// 8. Starvation: a task blocking its thread.
// ---------------------------------------------------------------------------------------

stress!(starvation, quick = 120, full = 600);

fn starvation(backend: Variant, size: Size) {
    let block_for = size.pick(Duration::from_secs(1), Duration::from_secs(3));
    match backend.name() {
        // Multi-thread: the other worker takes the work (tasks queued from outside; a task
        // the blocker itself spawned or woke last may wait in its worker's LIFO slot).
        #[cfg(feature = "tokio")]
        "tokio_multi_thread" => {
            makes_progress(async_bridge::Tokio::multi_thread(2), block_for, size)
        }
        // One thread runs everything: it cannot promise progress. What it promises: the
        // rest runs once the blocker ends, nothing is lost, and `spawn_blocking` is the fix.
        #[cfg(feature = "tokio")]
        "tokio_current_thread" => {
            recovers(async_bridge::Tokio::current_thread(), block_for, size);
            spawn_blocking_keeps_serving(async_bridge::Tokio::current_thread(), block_for, size);
        }
        #[cfg(feature = "smol")]
        "smol" => {
            makes_progress(async_bridge::Smol::with_threads(2), block_for, size);
            // The global executor runs on SMOL_THREADS threads (default 1).
            let rt = async_bridge::Smol::global();
            if env_threads("SMOL_THREADS").unwrap_or(1) >= 2 {
                makes_progress(rt.clone(), block_for, size);
            } else {
                recovers(rt.clone(), block_for, size);
            }
            spawn_blocking_keeps_serving(rt, block_for, size);
        }
        // A fixed number of threads (ASYNC_STD_THREAD_COUNT, default one per core), none
        // added when one blocks: progress while another thread is free.
        #[cfg(feature = "async-std")]
        "async_std" => {
            let rt = async_bridge::AsyncStd::new();
            let threads = env_threads("ASYNC_STD_THREAD_COUNT")
                .unwrap_or_else(|| thread::available_parallelism().map_or(1, usize::from));
            if threads >= 2 {
                makes_progress(rt, block_for, size);
            } else {
                recovers(rt, block_for, size);
            }
            spawn_blocking_keeps_serving(rt, block_for, size);
        }
        other => unreachable!("the variant {other} has no starvation scenario"),
    }
}

#[cfg(any(feature = "smol", feature = "async-std"))]
fn env_threads(var: &str) -> Option<usize> {
    std::env::var(var).ok()?.parse().ok()
}

/// Starts a task that blocks its thread for `block_for` and, with `wait`, waits until it
/// does (a current-thread runtime runs it only inside `block_on`); the flag is set when it
/// is done.
fn start_blocker<R: Runtime>(
    rt: &R,
    block_for: Duration,
    wait: bool,
) -> (JoinHandle<()>, Arc<AtomicBool>) {
    let (blocking, done) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let handle = rt.spawn({
        let (blocking, done) = (blocking.clone(), done.clone());
        async move {
            blocking.store(true, Ordering::SeqCst);
            thread::sleep(block_for);
            done.store(true, Ordering::SeqCst);
        }
    });
    if wait {
        wait_until("the blocking task runs", || blocking.load(Ordering::SeqCst));
    }
    (handle, done)
}

/// Short tasks that each sleep a little, spawned from outside the runtime.
fn short_tasks<R: Runtime>(rt: &R, n: usize) -> Vec<JoinHandle<usize>> {
    (0..n)
        .map(|i| {
            let sleep = rt.sleep(MS);
            rt.spawn(async move {
                sleep.await;
                async_bridge::yield_now().await;
                i
            })
        })
        .collect()
}

/// While one task blocks its thread, other tasks complete and timers fire.
fn makes_progress<R: Runtime + Debug>(rt: R, block_for: Duration, size: Size) {
    let n = size.pick(200, 10_000);
    let (blocker, done) = start_blocker(&rt, block_for, true);
    let t = Instant::now();
    let ticker = Ticker::start(&rt, MS);
    let handles = short_tasks(&rt, n);
    let ticks = rt.block_on(async {
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.await.expect("a short task"), i);
        }
        until(&rt, "the ticker ticks", block_for, || ticker.ticks() >= 10).await;
        ticker.ticks()
    });
    let progressed = t.elapsed();
    assert!(
        !done.load(Ordering::SeqCst),
        "{rt:?}: the other tasks did not complete while one task blocked its thread \
         ({progressed:?} > {block_for:?})"
    );
    rt.block_on(async {
        blocker.await.expect("the blocking task");
        ticker.stop().await;
    });
    println!(
        "[stress] starvation {rt:?}: while one task blocked its thread for {block_for:?}, {n} \
         other tasks completed and the ticker ticked {ticks} times, in {progressed:.2?}"
    );
}

/// A backend that cannot promise progress (one thread): everything completes once the
/// blocker ends, nothing is lost.
fn recovers<R: Runtime + Debug>(rt: R, block_for: Duration, size: Size) {
    let n = size.pick(200, 10_000);
    let (blocker, done) = start_blocker(&rt, block_for, false);
    let handles = short_tasks(&rt, n);
    let t = Instant::now();
    rt.block_on(async {
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.await.expect("a short task"), i);
        }
        blocker.await.expect("the blocking task");
    });
    assert!(done.load(Ordering::SeqCst));
    println!(
        "[stress] starvation {rt:?} (one thread, no promise): {n} tasks waited for the \
         blocker and completed {:.2?} later",
        t.elapsed()
    );
}

/// The fix on every backend: the blocking section in `spawn_blocking` leaves the executor
/// serving.
fn spawn_blocking_keeps_serving<R: Runtime + Debug>(rt: R, block_for: Duration, size: Size) {
    let n = size.pick(200, 10_000);
    let done = Arc::new(AtomicBool::new(false));
    let t = Instant::now();
    rt.block_on(async {
        let blocker = rt.spawn({
            let (inner, done) = (rt.clone(), done.clone());
            async move {
                inner
                    .spawn_blocking(move || thread::sleep(block_for))
                    .await
                    .expect("the blocking section");
                done.store(true, Ordering::SeqCst);
            }
        });
        for (i, h) in short_tasks(&rt, n).into_iter().enumerate() {
            assert_eq!(h.await.expect("a short task"), i);
        }
        assert!(
            !done.load(Ordering::SeqCst),
            "{rt:?}: tasks waited for a blocking section run in spawn_blocking"
        );
        let progressed = t.elapsed();
        blocker.await.expect("the blocker");
        println!(
            "[stress] starvation {rt:?} with spawn_blocking: {n} tasks completed in \
             {progressed:.2?} while the blocking section ran for {block_for:?}"
        );
    });
}
