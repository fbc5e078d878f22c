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
//! is never counted: only the time inside one call to `poll` (and the drop of the task's
//! future). A `block_on` inside a task on a tokio multi-thread worker runs in
//! `block_in_place`, which hands the worker's other tasks to another thread: that time is
//! not counted either (a direct call to `tokio::task::block_in_place` is). Polls that began
//! before any watchdog was installed are not tracked: install it at startup.
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
//! but no watchdog installed, one relaxed atomic load per poll. Installed, per poll: two
//! clock reads, two uncontended lock operations on the thread's own slot, and for a named
//! task a reference count increment: about 370 instructions, 90–160 ns per poll measured
//! (`BENCHMARKS.md`), as much again as a trivial poll; cheap next to the stalls it finds.
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

mod installed;
mod monitor;
pub(crate) mod probe;
mod report;
pub(crate) mod subject;

pub use report::StallReport;

use installed::{
    Callback, EPOCH, IN_CALLBACK, INSTALLED, Installed, NEXT_EPOCH, THRESHOLD_NANOS, in_callback,
    nanos,
};

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

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
    /// `f` runs on the thread that stalled, right after the slow poll returns (still
    /// inside the task: `block_on` there is refused, as anywhere in a task), or on the
    /// watchdog's monitor thread for a poll still running. Keep it short: to do slow work
    /// with a report (send it to a service), hand it to a channel or to `spawn_blocking`.
    /// A panic in `f` is caught and printed. Slow code inside `f` is not itself reported.
    /// `f` must not install a watchdog (that panics); it may drop its own guard.
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
        let installed = Arc::new(Installed {
            epoch,
            threshold: self.threshold,
            on_stall: self.on_stall,
            deliveries: Mutex::default(),
            idle: Condvar::new(),
        });
        // The monitor first: if it cannot start, nothing was installed.
        let monitor = monitor::start(installed.clone());
        let replaced = {
            let mut slot = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
            THRESHOLD_NANOS.store(nanos(self.threshold), Ordering::Relaxed);
            EPOCH.store(epoch, Ordering::Release);
            slot.replace(installed.clone())
        };
        // The replaced watchdog reports nothing once `install` returns; its callback is
        // dropped here, outside every lock.
        if let Some(replaced) = replaced {
            replaced.retire(true);
        }
        WatchdogGuard {
            installed,
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
    installed: Arc<Installed>,
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
        EPOCH.load(Ordering::Acquire) == self.installed.epoch
    }
}

impl fmt::Debug for WatchdogGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchdogGuard")
            .field("threshold", &self.installed.threshold)
            .field("installed", &self.is_installed())
            .finish()
    }
}

impl Drop for WatchdogGuard {
    /// Uninstalls the watchdog (unless another replaced it) and waits for the reports
    /// being delivered to it on other threads, so none runs after the drop returns. Called
    /// from inside one of its own callbacks, it does not wait (that would wait for itself).
    fn drop(&mut self) {
        let epoch = self.installed.epoch;
        let removed = {
            let mut slot = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
            if slot.as_ref().is_some_and(|i| i.epoch == epoch) {
                EPOCH.store(0, Ordering::Release);
                slot.take()
            } else {
                None
            }
        };
        let inside_callback = in_callback();
        self.installed.retire(!inside_callback);
        drop(removed);
        if let Some(monitor) = self.monitor.take() {
            monitor.thread().unpark();
            if !inside_callback && monitor.thread().id() != thread::current().id() {
                let _ = monitor.join();
            }
        }
    }
}
