//! `StallReport`: what the watchdog says about a poll that blocked its thread.

use std::fmt;
#[cfg(not(feature = "tracing"))]
use std::io::Write;
use std::panic::Location;
use std::sync::Arc;
use std::thread::ThreadId;
use std::time::Duration;

use super::subject::{Polled, Probe, Thread};

/// A poll that held its thread longer than the watchdog's threshold.
///
/// Its `Display` is the one-line message the default reporter writes: what stalled, where
/// it was spawned, for how long, and the fix.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use async_bridge::watchdog::{StallReport, Watchdog};
///
/// fn alert(report: &StallReport) {
///     let what = match report.name() {
///         _ if report.is_block_on() => "a block_on future",
///         Some(name) => name,
///         None => "an unnamed task",
///     };
///     let state = if report.is_running() { "is stuck" } else { "was slow" };
///     eprintln!(
///         "{what} ({}:{}) {state} on thread {:?}: {:?} (threshold {:?})",
///         report.location().file(),
///         report.location().line(),
///         report.thread_name().unwrap_or("<unnamed>"),
///         report.duration(),
///         report.threshold(),
///     );
/// }
///
/// let _guard = Watchdog::new(Duration::from_millis(20)).on_stall(alert).install();
/// ```
#[derive(Clone)]
pub struct StallReport {
    probe: Probe,
    duration: Duration,
    threshold: Duration,
    running: bool,
    thread_name: Option<Arc<str>>,
    thread_id: ThreadId,
}

impl StallReport {
    pub(super) fn new(
        probe: Probe,
        duration: Duration,
        threshold: Duration,
        running: bool,
        thread: &Thread,
    ) -> Self {
        StallReport {
            probe,
            duration,
            threshold,
            running,
            thread_name: thread.name.clone(),
            thread_id: thread.id,
        }
    }

    /// The task's name, if it was spawned with
    /// [`Builder::name`](crate::task::Builder::name); `None` for unnamed tasks and for
    /// `block_on`.
    pub fn name(&self) -> Option<&str> {
        self.probe.name.as_deref()
    }

    /// Where the task was spawned (the caller of `spawn` or of the `Builder` method), or,
    /// for a `block_on` future, where `block_on` was called.
    pub fn location(&self) -> &'static Location<'static> {
        self.probe.location
    }

    /// How long the poll took (after it returned), or has taken so far (while running).
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// True when the poll was still running when the monitor thread sampled it: the report
    /// comes from the monitor, while the thread was blocked. (The poll may have returned
    /// since; its own report, with `is_running()` false, may even arrive first.)
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// True when the poll was of a `block_on` future rather than of a spawned task.
    pub fn is_block_on(&self) -> bool {
        self.probe.polled == Polled::BlockOn
    }

    /// The threshold of the watchdog that made the report.
    pub fn threshold(&self) -> Duration {
        self.threshold
    }

    /// The name of the thread that stalled, if it has one (the workers of runtimes
    /// async-bridge starts are `async-bridge-tokio` and `async-bridge-smol-N`).
    pub fn thread_name(&self) -> Option<&str> {
        self.thread_name.as_deref()
    }

    /// The id of the thread that stalled.
    pub fn thread_id(&self) -> ThreadId {
        self.thread_id
    }
}

/// A duration as the messages show it: whole milliseconds, or microseconds below one.
struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= Duration::from_millis(1) {
            write!(f, "{} ms", self.0.as_millis())
        } else {
            write!(f, "{} µs", self.0.as_micros())
        }
    }
}

impl fmt::Display for StallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("async-bridge watchdog: ")?;
        match (self.probe.polled, self.name()) {
            (Polled::BlockOn, _) => write!(f, "the future of `block_on` at {}", self.location())?,
            (Polled::Task, Some(name)) => {
                write!(f, "task {name:?} (spawned at {})", self.location())?;
            }
            (Polled::Task, None) => write!(f, "a task spawned at {}", self.location())?,
        }
        if self.running {
            write!(
                f,
                " has been blocking its thread for {} in one poll and is still running",
                Millis(self.duration)
            )?;
        } else {
            write!(
                f,
                " blocked its thread for {} in one poll",
                Millis(self.duration)
            )?;
        }
        write!(
            f,
            " (threshold {}); move blocking work into `spawn_blocking`, or `.await` an async \
             version of it",
            Millis(self.threshold)
        )
    }
}

impl fmt::Debug for StallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StallReport")
            .field("name", &self.name())
            .field("location", &format_args!("{}", self.location()))
            .field("duration", &self.duration)
            .field("running", &self.running)
            .field("threshold", &self.threshold)
            .field("block_on", &self.is_block_on())
            .field("thread", &self.thread_name())
            .field("thread_id", &self.thread_id)
            .finish()
    }
}

/// The default reporter: a `tracing` warning with the feature `tracing`, else stderr.
pub(super) fn log(report: &StallReport) {
    cfg_if::cfg_if! {
        if #[cfg(feature = "tracing")] {
            tracing::warn!(
                target: "async_bridge::watchdog",
                task = report.name(),
                spawned_at = %report.location(),
                duration_ms = u64::try_from(report.duration().as_millis()).unwrap_or(u64::MAX),
                still_running = report.is_running(),
                "{report}"
            );
        } else {
            // A closed stderr is ignored: this runs inside a poll, and must not unwind.
            let _ = writeln!(std::io::stderr(), "{report}");
        }
    }
}

/// A panic payload's message, for the note about a panicking callback.
pub(super) fn panic_message(payload: &crate::panic::Payload) -> &str {
    crate::panic::message(payload).unwrap_or("a non-string payload")
}
