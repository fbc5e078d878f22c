//! Finding blocking code: a watchdog that reports every poll that holds its thread too long.
//!
//! Blocking inside async code (a `std::thread::sleep`, a sync database call, a CPU-heavy
//! loop) stalls the executor thread that polls it, and every task queued behind it, with no
//! error and no log. The watchdog times each poll of every task spawned through
//! async-bridge, on every backend, and of every async-bridge `block_on` future, and reports
//! the ones that take longer than a threshold:
//!
//! 1. **after the poll returns**, with how long it took ([`StallReport::is_running`] is
//!    false);
//! 2. **while it is still running**, from a monitor thread, once the threshold has passed:
//!    a task stuck in an endless loop or a deadlocked sync call is reported while stuck,
//!    once per stall, not once per tick ([`StallReport::is_running`] is true).
//!
//! A poll that stalls long enough to be seen by the monitor is so reported twice: once
//! while stuck, once when it returns with its final duration. Time a task spends awaiting
//! is never counted: only the time inside one call to `poll`.
//!
//! Each report names the task (see [`Builder::name`](crate::task::Builder::name)), where
//! it was spawned (every spawn records its caller's file and line), and for how long it
//! blocked. Without a callback, reports go to [`tracing`](https://docs.rs/tracing) as
//! warnings (with the feature `tracing`), else to stderr, one line each:
//!
//! ```text
//! async-bridge watchdog: task "fetch-config" (spawned at src/main.rs:12:5) blocked its thread for 203 ms in one poll (threshold 20 ms); move blocking work into `spawn_blocking`, or `.await` an async version of it
//! ```
//!
//! # Cost
//!
//! Without the feature `watchdog`, nothing: the hook compiles to nothing. With the feature
//! but no watchdog installed, one relaxed atomic load per poll. Installed, two clock reads
//! and two uncontended lock operations per poll; `BENCHMARKS.md` has the measured figures.
//!
//! # Examples
//!
//! ```
//! # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use async_bridge::task::Builder;
//! use async_bridge::watchdog::Watchdog;
//!
//! let stalls = Arc::new(Mutex::new(Vec::new()));
//! let guard = Watchdog::new(Duration::from_millis(20))
//!     .on_stall({
//!         let stalls = stalls.clone();
//!         move |report| {
//!             if !report.is_running() {
//!                 stalls.lock().unwrap().push((report.name().map(String::from), report.location().line()));
//!             }
//!         }
//!     })
//!     .install();
//!
//! let line = line!() + 1;
//! let handle = Builder::new().name("sleepy").spawn(async {
//!     std::thread::sleep(Duration::from_millis(100)); // the mistake: blocks the executor
//! });
//! async_bridge::block_on(handle).unwrap();
//! drop(guard); // uninstalls
//!
//! assert!(stalls.lock().unwrap().contains(&(Some("sleepy".to_string()), line)));
//! # }
//! ```
#![cfg_attr(docsrs, doc(cfg(feature = "watchdog")))]

mod monitor;
pub(crate) mod probe;
mod report;

pub use report::StallReport;

use std::cell::Cell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::thread;
use std::time::Duration;

type Callback = Arc<dyn Fn(&StallReport) + Send + Sync + 'static>;

/// The epoch of the installed watchdog; 0 when none is. The one word every poll reads.
static EPOCH: AtomicU64 = AtomicU64::new(0);
/// The installed watchdog's threshold, in nanoseconds, for the check after each poll.
static THRESHOLD_NANOS: AtomicU64 = AtomicU64::new(u64::MAX);
static NEXT_EPOCH: AtomicU64 = AtomicU64::new(1);
/// The installed watchdog. Reports are delivered under its read lock, so uninstalling (the
/// write lock) waits for the ones in flight: after the guard's drop returns, no callback
/// runs.
static INSTALLED: RwLock<Option<Arc<Installed>>> = RwLock::new(None);

thread_local! {
    /// Set while this thread runs a report callback: its own slow code is not reported.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

struct Installed {
    epoch: u64,
    on_stall: Option<Callback>,
}

/// A watchdog to install: the threshold, and what to do with each report.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use async_bridge::watchdog::Watchdog;
///
/// // Reports to `tracing` (feature `tracing`) or stderr, until `_guard` is dropped.
/// let _guard = Watchdog::new(Duration::from_millis(50)).install();
/// ```
#[must_use = "a Watchdog does nothing until `.install()` is called"]
pub struct Watchdog {
    threshold: Duration,
    on_stall: Option<Callback>,
}

impl Watchdog {
    /// A watchdog that reports polls longer than `threshold`. A healthy poll takes
    /// microseconds, so anything in milliseconds is a real stall; 10–100 ms are typical
    /// thresholds (below a few milliseconds, an OS preemption of the thread can be reported
    /// too).
    ///
    /// # Panics
    ///
    /// Panics if `threshold` is zero: every poll would be reported. Pass at least a
    /// microsecond; a millisecond or more in practice.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let dog = async_bridge::watchdog::Watchdog::new(Duration::from_millis(20));
    /// assert_eq!(dog.threshold(), Duration::from_millis(20));
    /// ```
    #[track_caller]
    pub fn new(threshold: Duration) -> Self {
        assert!(
            !threshold.is_zero(),
            "Watchdog::new(Duration::ZERO) would report every poll; pass a threshold such as \
             Duration::from_millis(20)"
        );
        Watchdog {
            threshold,
            on_stall: None,
        }
    }

    /// The threshold this watchdog reports above.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use async_bridge::watchdog::Watchdog;
    ///
    /// assert_eq!(Watchdog::new(Duration::from_millis(5)).threshold().as_millis(), 5);
    /// ```
    pub fn threshold(&self) -> Duration {
        self.threshold
    }

    /// Calls `f` with each report, in place of the default (a `tracing` warning, or a line
    /// on stderr).
    ///
    /// `f` runs on the thread that stalled, right after the slow poll returns, or on the
    /// watchdog's monitor thread for a poll still running; keep it short. A panic in `f` is
    /// caught and printed. Slow code inside `f` is not itself reported. `f` must not install
    /// a watchdog (that panics).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use async_bridge::watchdog::Watchdog;
    ///
    /// let _guard = Watchdog::new(Duration::from_millis(20))
    ///     .on_stall(|report| eprintln!("stall: {report}"))
    ///     .install();
    /// ```
    pub fn on_stall(mut self, f: impl Fn(&StallReport) + Send + Sync + 'static) -> Self {
        self.on_stall = Some(Arc::new(f));
        self
    }

    /// Installs this watchdog for the whole process, replacing the one installed before (if
    /// any), and starts its monitor thread (`async-bridge-watchdog`). Dropping the returned
    /// guard uninstalls it.
    ///
    /// # Panics
    ///
    /// Panics if called from inside an `on_stall` callback, or if the monitor thread
    /// cannot be started.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use async_bridge::watchdog::Watchdog;
    ///
    /// let first = Watchdog::new(Duration::from_millis(20)).install();
    /// let second = Watchdog::new(Duration::from_millis(50)).install(); // replaces `first`
    /// drop(first); // no effect: `second` is the installed one
    /// drop(second); // uninstalled
    /// ```
    #[track_caller]
    pub fn install(self) -> WatchdogGuard {
        assert!(
            !IN_CALLBACK.with(Cell::get),
            "Watchdog::install called from inside an on_stall callback; install watchdogs \
             from ordinary code, outside the callback"
        );
        let epoch = NEXT_EPOCH.fetch_add(1, Ordering::Relaxed);
        let threshold = self.threshold;
        {
            let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
            *installed = Some(Arc::new(Installed {
                epoch,
                on_stall: self.on_stall,
            }));
            THRESHOLD_NANOS.store(
                u64::try_from(threshold.as_nanos()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
            EPOCH.store(epoch, Ordering::Release);
        }
        let monitor = monitor::start(epoch, threshold);
        WatchdogGuard {
            epoch,
            threshold,
            monitor: Some(monitor),
        }
    }
}

impl fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchdog")
            .field("threshold", &self.threshold)
            .field("on_stall", &self.on_stall.as_ref().map(|_| "<callback>"))
            .finish()
    }
}

/// The installed watchdog: dropping it uninstalls it (unless another was installed since)
/// and stops its monitor thread. Once the drop returns, this watchdog reports nothing more.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use async_bridge::watchdog::Watchdog;
///
/// let guard = Watchdog::new(Duration::from_millis(20)).install();
/// assert!(guard.is_installed());
/// drop(guard);
/// ```
#[must_use = "dropping the guard uninstalls the watchdog at once: bind it, `let _guard = …`"]
pub struct WatchdogGuard {
    epoch: u64,
    threshold: Duration,
    monitor: Option<thread::JoinHandle<()>>,
}

impl WatchdogGuard {
    /// True while this guard's watchdog is the installed one (another `install` replaces
    /// it).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use async_bridge::watchdog::Watchdog;
    ///
    /// let first = Watchdog::new(Duration::from_millis(20)).install();
    /// let second = Watchdog::new(Duration::from_millis(20)).install();
    /// assert!(!first.is_installed());
    /// assert!(second.is_installed());
    /// ```
    pub fn is_installed(&self) -> bool {
        EPOCH.load(Ordering::Acquire) == self.epoch
    }
}

impl fmt::Debug for WatchdogGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchdogGuard")
            .field("threshold", &self.threshold)
            .field("installed", &self.is_installed())
            .finish()
    }
}

impl Drop for WatchdogGuard {
    fn drop(&mut self) {
        let was_current = EPOCH
            .compare_exchange(self.epoch, 0, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok();
        // Wait for the reports in flight (unless this is one of them: the callback itself
        // dropped the guard, and holds the read lock).
        if was_current && !IN_CALLBACK.with(Cell::get) {
            let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
            if installed.as_ref().is_some_and(|i| i.epoch == self.epoch) {
                *installed = None;
            }
        }
        if let Some(monitor) = self.monitor.take() {
            monitor.thread().unpark();
            if monitor.thread().id() != thread::current().id() {
                let _ = monitor.join();
            }
        }
    }
}

/// The installed epoch, for the hook: 0 when no watchdog is installed.
#[inline(always)]
pub(crate) fn epoch() -> u64 {
    EPOCH.load(Ordering::Relaxed)
}

#[inline]
pub(crate) fn threshold_nanos() -> u64 {
    THRESHOLD_NANOS.load(Ordering::Relaxed)
}

/// Delivers `report` to the watchdog of `epoch`, if it is still the installed one.
pub(crate) fn emit(epoch: u64, report: &StallReport) {
    if IN_CALLBACK.with(Cell::get) {
        return;
    }
    let installed = INSTALLED.read().unwrap_or_else(PoisonError::into_inner);
    let Some(installed) = installed.as_ref() else {
        return;
    };
    if installed.epoch != epoch || EPOCH.load(Ordering::Acquire) != epoch {
        return;
    }
    IN_CALLBACK.with(|c| c.set(true));
    let delivered = catch_unwind(AssertUnwindSafe(|| match &installed.on_stall {
        Some(on_stall) => on_stall(report),
        None => report::log(report),
    }));
    IN_CALLBACK.with(|c| c.set(false));
    if let Err(payload) = delivered {
        eprintln!(
            "async-bridge watchdog: the on_stall callback panicked ({}) on this report: \
             {report}; the watchdog keeps running, fix the callback",
            report::panic_message(&payload)
        );
        crate::wrap::discard(payload);
    }
}
