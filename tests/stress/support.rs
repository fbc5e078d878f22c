//! What the stress scenarios share: the two sizes, the backends, the test matrix, drop
//! ledgers, a ticking task, memory figures, a quiet panic hook and a process of its own.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::thread;
use std::time::{Duration, Instant};

use async_bridge::{JoinHandle, Runtime};

/// How big a scenario runs: `Quick` in every `cargo test`, `Full` (the numbers)
/// behind `#[ignore]`, run with `cargo test --all-features --release -- --ignored`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Quick,
    Full,
}

impl Size {
    pub fn pick<T>(self, quick: T, full: T) -> T {
        match self {
            Size::Quick => quick,
            Size::Full => full,
        }
    }
}

/// A backend and, for tokio, its flavour: the variants of the matrix (async-bridge's list).
pub use async_bridge::__macro_support::Variant;

/// Binds `$rt` to the variant's runtime (the runtimes `#[async_bridge::test]` uses, with
/// tokio multi-thread on two workers) and evaluates `$body`, generic over it.
#[macro_export]
macro_rules! with_runtime {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({
            flavor: $flavor:ident, variant: $test:ident, $($properties:tt)*
        }),* $(,)?] $(,)?
    }),* $(,)?] @list ($variant:expr) $rt:ident ($body:expr)) => {{
        let variant: $crate::support::Variant = $variant;
        let mut ran = false;
        $($(
            async_bridge::$gate! {
                if !ran && variant.name() == stringify!($test) {
                    ran = true;
                    let $rt = async_bridge::__macro_support::variants::$test(Some(2));
                    $body;
                }
            }
        )*)*
        assert!(ran, "no runtime for the variant {variant:?}");
    }};
    // The list's arm comes first: an `expr` fragment cannot back out of the list.
    ($variant:expr, $rt:ident => $body:expr) => {
        async_bridge::__async_bridge_backends!($crate::with_runtime, @list ($variant) $rt ($body));
    };
}

/// One scenario on every enabled backend, in both sizes: `name::quick::tokio_multi_thread`,
/// …, `name::full::async_std` (ignored). The scenario is `fn name(Variant, Size)`; each
/// variant runs it under a deadline (seconds), so a hang fails with a message. With
/// `isolated`, each variant runs in a process of its own (for its memory figures). The
/// variants are those of the test matrix ([`matrix!`](crate::matrix)).
#[macro_export]
macro_rules! stress {
    ($name:ident, quick = $quick:literal, full = $full:literal $(, $isolated:ident)?) => {
        mod $name {
            mod quick {
                async_bridge::__async_bridge_backends!(
                    $crate::matrix,
                    [] |new, variant| $crate::stress!(@run $name, Quick, $quick, variant, [$($isolated)?])
                );
            }
            mod full {
                async_bridge::__async_bridge_backends!(
                    $crate::matrix,
                    [#[ignore = "full size: cargo test --all-features --release --test stress -- --ignored"]]
                    |new, variant| $crate::stress!(@run $name, Full, $full, variant, [$($isolated)?])
                );
            }
        }
    };
    (@run $name:ident, $size:ident, $secs:literal, $variant:ident, []) => {
        $crate::support::run(
            &format!("{}::{}", module_path!(), $variant.name()),
            $variant,
            $crate::support::Size::$size,
            $secs,
            super::super::$name,
        )
    };
    (@run $name:ident, $size:ident, $secs:literal, $variant:ident, [isolated]) => {
        $crate::support::run_isolated(
            &format!("{}::{}", module_path!(), $variant.name()),
            $variant,
            $crate::support::Size::$size,
            $secs,
            super::super::$name,
        )
    };
}

/// The test's name as the harness knows it: its path without the crate.
fn test_name(path: &str) -> &str {
    path.split_once("::").map_or(path, |(_, rest)| rest)
}

/// Runs `scenario` under a deadline of `secs`.
pub fn run(path: &str, backend: Variant, size: Size, secs: u64, scenario: fn(Variant, Size)) {
    quiet_panics();
    let what = format!("{} ({backend:?}, {size:?})", test_name(path));
    crate::common::deadline(secs, &what, move || scenario(backend, size));
}

/// Set in the child process that [`run_isolated`] starts: the name of the test to run.
const CHILD: &str = "ASYNC_BRIDGE_STRESS_CHILD";

/// Runs `scenario` in a process of its own (this test binary, filtered to this one test),
/// so that its memory figures (VmHWM) are its own and not those of the tests running beside
/// it. The child's output is printed here; the child is killed after `secs`.
pub fn run_isolated(
    path: &str,
    backend: Variant,
    size: Size,
    secs: u64,
    scenario: fn(Variant, Size),
) {
    let name = test_name(path);
    if std::env::var(CHILD).as_deref() == Ok(name) {
        return run(path, backend, size, secs, scenario);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([name, "--exact", "--include-ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD, name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("could not start the test binary as a child process");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child process") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`{name}` ({backend:?}, {size:?}) did not finish within {secs}s in its own process: deadlock or lost wake-up"
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    print!("{out}");
    eprint!("{err}");
    assert!(
        status.success(),
        "`{name}` failed in its own process ({status})"
    );
    assert!(
        out.contains("1 passed"),
        "`{name}` did not run in its own process: {out}"
    );
}

/// Silences the panics the scenarios cause on purpose (payloads starting with `stress:`,
/// [`Custom`], [`Bomb`]'s): thousands of them would flood the output. Every other panic
/// is reported as before.
pub fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let on_purpose = payload
                .downcast_ref::<&str>()
                .is_some_and(|s| s.starts_with("stress:"))
                || payload
                    .downcast_ref::<String>()
                    .is_some_and(|s| s.starts_with("stress:"))
                || payload.is::<Custom>()
                || payload.is::<Bomb>();
            if !on_purpose {
                previous(info);
            }
        }));
    });
}

/// A custom panic payload.
#[derive(Debug, PartialEq, Eq)]
pub struct Custom(pub usize);

/// A destructor that panics (unless the thread is already unwinding), counting first.
pub struct Bomb(pub Option<Arc<AtomicUsize>>);

/// The payload a [`Bomb`]'s destructor panics with.
pub const BOMB: &str = "stress: destructor panicked on purpose";

impl Drop for Bomb {
    fn drop(&mut self) {
        if let Some(count) = &self.0 {
            count.fetch_add(1, Ordering::SeqCst);
        }
        if !thread::panicking() {
            panic!("stress: destructor panicked on purpose");
        }
    }
}

/// One slot per tracked value, counting its drops: proves each value is dropped once, and
/// never twice.
pub struct Ledger {
    slots: Vec<AtomicU8>,
    twice: AtomicUsize,
}

impl Ledger {
    pub fn new(len: usize) -> Arc<Self> {
        let slots: Vec<AtomicU8> = (0..len).map(|_| AtomicU8::new(0)).collect();
        // Touch every page now (the allocation may come zeroed and untouched), so the
        // memory figures taken later do not count the ledger filling up.
        for slot in &slots {
            slot.store(0, Ordering::Relaxed);
        }
        Arc::new(Ledger {
            slots,
            twice: AtomicUsize::new(0),
        })
    }

    /// A value that records its drop in slot `index`.
    pub fn entry(self: &Arc<Self>, index: usize) -> Entry {
        Entry {
            ledger: self.clone(),
            index,
        }
    }

    /// How many slots saw their value dropped (once or more).
    pub fn dropped(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.load(Ordering::SeqCst) > 0)
            .count()
    }

    /// How many drops came after the first one: must stay 0.
    pub fn twice(&self) -> usize {
        self.twice.load(Ordering::SeqCst)
    }
}

/// Records its drop in its [`Ledger`].
pub struct Entry {
    ledger: Arc<Ledger>,
    index: usize,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if self.ledger.slots[self.index].fetch_add(1, Ordering::SeqCst) != 0 {
            self.ledger.twice.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// A task that ticks every `period` on its runtime's timer until stopped, and the longest
/// gap it saw between two ticks.
pub struct Ticker {
    ticks: Arc<AtomicUsize>,
    max_gap_us: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    handle: JoinHandle<()>,
}

impl Ticker {
    pub fn start<R: Runtime>(rt: &R, period: Duration) -> Self {
        let ticks = Arc::new(AtomicUsize::new(0));
        let max_gap_us = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let timer = rt.clone();
        let handle = rt.spawn({
            let (ticks, max_gap_us, stop) = (ticks.clone(), max_gap_us.clone(), stop.clone());
            async move {
                let mut last = Instant::now();
                while !stop.load(Ordering::SeqCst) {
                    timer.sleep(period).await;
                    let gap = last.elapsed().as_micros() as u64;
                    max_gap_us.fetch_max(gap, Ordering::SeqCst);
                    last = Instant::now();
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        Ticker {
            ticks,
            max_gap_us,
            stop,
            handle,
        }
    }

    pub fn ticks(&self) -> usize {
        self.ticks.load(Ordering::SeqCst)
    }

    pub fn max_gap(&self) -> Duration {
        Duration::from_micros(self.max_gap_us.load(Ordering::SeqCst))
    }

    /// Stops the ticker and waits for its task: it must end normally.
    pub async fn stop(self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        let ticks = self.ticks.clone();
        self.handle.await.expect("the ticking task ended normally");
        ticks.load(Ordering::SeqCst)
    }
}

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`); 0 where there is none.
pub fn status_kib(field: &str) -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A small deterministic generator (xorshift64*), so a run can be repeated.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

/// Waits without blocking the executor until `cond` holds, at most `limit`.
pub async fn until<R: Runtime>(
    rt: &R,
    what: &str,
    limit: Duration,
    mut cond: impl FnMut() -> bool,
) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting until {what}"
        );
        rt.sleep(Duration::from_millis(1)).await;
    }
}
