//! The installed watchdog: the one word every poll reads (its epoch), its threshold, its
//! callback, and the delivery of reports to it.

use std::cell::Cell;
use std::io::{self, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::report::{self, StallReport};
use super::subject::{Probe, Thread};

pub(super) type Callback = Arc<dyn Fn(&StallReport) + Send + Sync + 'static>;

/// The epoch of the installed watchdog; 0 when none is. The one word every poll reads.
pub(super) static EPOCH: AtomicU64 = AtomicU64::new(0);
/// The installed watchdog's threshold, in nanoseconds: a quick filter after each poll
/// (the installed watchdog's own threshold decides).
pub(super) static THRESHOLD_NANOS: AtomicU64 = AtomicU64::new(u64::MAX);
pub(super) static NEXT_EPOCH: AtomicU64 = AtomicU64::new(1);
/// The installed watchdog. Held only to clone or swap the `Arc`: no report is delivered
/// under this lock.
pub(super) static INSTALLED: Mutex<Option<Arc<Installed>>> = Mutex::new(None);

thread_local! {
    /// Set while this thread runs a report callback: its own slow code is not reported.
    pub(super) static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

/// An installed watchdog: its callback, and the reports being delivered to it, so that
/// uninstalling can wait for them.
pub(super) struct Installed {
    pub(super) epoch: u64,
    pub(super) threshold: Duration,
    pub(super) on_stall: Option<Callback>,
    pub(super) deliveries: Mutex<Deliveries>,
    pub(super) idle: Condvar,
}

#[derive(Default)]
pub(super) struct Deliveries {
    in_flight: usize,
    retired: bool,
}

impl Installed {
    fn deliveries(&self) -> MutexGuard<'_, Deliveries> {
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn is_retired(&self) -> bool {
        self.deliveries().retired
    }

    /// Stops new deliveries; waits for those in flight unless told not to (when called
    /// from inside one, which would wait for itself).
    pub(super) fn retire(&self, wait: bool) {
        let mut deliveries = self.deliveries();
        deliveries.retired = true;
        while wait && deliveries.in_flight > 0 {
            deliveries = self
                .idle
                .wait(deliveries)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Delivers `report` unless this watchdog was retired.
    pub(super) fn deliver(&self, report: &StallReport) {
        {
            let mut deliveries = self.deliveries();
            if deliveries.retired {
                return;
            }
            deliveries.in_flight += 1;
        }
        IN_CALLBACK.with(|c| c.set(true));
        let delivered = catch_unwind(AssertUnwindSafe(|| match &self.on_stall {
            Some(on_stall) => on_stall(report),
            None => report::log(report),
        }));
        IN_CALLBACK.with(|c| c.set(false));
        if let Err(payload) = delivered {
            // Never unwinds (a closed stderr is ignored): this runs inside a poll.
            let _ = writeln!(
                io::stderr(),
                "async-bridge watchdog: the on_stall callback panicked ({}) on this report: \
                 {report}; the watchdog keeps running, fix the callback",
                report::panic_message(&payload)
            );
            crate::panic::discard(payload);
        }
        let mut deliveries = self.deliveries();
        deliveries.in_flight -= 1;
        if deliveries.in_flight == 0 {
            self.idle.notify_all();
        }
    }
}

/// The installed watchdog, if any.
pub(super) fn installed() -> Option<Arc<Installed>> {
    INSTALLED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The installed epoch, for the hook: 0 when no watchdog is installed.
#[inline(always)]
pub(super) fn epoch() -> u64 {
    EPOCH.load(Ordering::Relaxed)
}

#[inline]
pub(super) fn threshold_nanos() -> u64 {
    THRESHOLD_NANOS.load(Ordering::Relaxed)
}

pub(super) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Delivers the report of a poll that returned after `elapsed` to the installed watchdog,
/// if it is over that watchdog's threshold.
pub(super) fn emit_after_return(probe: Probe, elapsed: Duration, thread: &Thread) {
    if in_callback() {
        return;
    }
    let Some(installed) = installed() else {
        return;
    };
    if elapsed < installed.threshold {
        return;
    }
    let report = StallReport::new(probe, elapsed, installed.threshold, false, thread);
    installed.deliver(&report);
}

/// Delivers a report from the monitor of `installed`.
pub(super) fn emit_running(installed: &Installed, report: &StallReport) {
    if EPOCH.load(Ordering::Acquire) == installed.epoch {
        installed.deliver(report);
    }
}
