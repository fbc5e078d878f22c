//! The monitor thread, and the per-thread slots it reads: which poll each thread is in
//! and since when.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

use super::installed::{self, Installed};
use super::report::StallReport;
use super::subject::{Probe, Thread};

/// The poll a thread is in.
pub(crate) struct Active {
    /// When the poll started, or resumed after a `block_in_place`.
    start: Instant,
    /// Time spent in the poll before its last resumption.
    before: Duration,
    pub(super) probe: Probe,
    /// The epoch of the watchdog whose monitor reported it while running (0: none did):
    /// once per stall and watchdog.
    reported_by: u64,
}

impl Active {
    #[inline]
    pub(super) fn new(start: Instant, probe: &Probe) -> Self {
        Active {
            start,
            before: Duration::ZERO,
            probe: probe.clone(),
            reported_by: 0,
        }
    }

    /// How long the poll has held its thread, up to `now`.
    pub(super) fn elapsed(&self, now: Instant) -> Duration {
        self.before + now.saturating_duration_since(self.start)
    }

    /// Stops the clock (a `block_in_place` begins).
    pub(super) fn pause(&mut self, now: Instant) {
        self.before = self.elapsed(now);
        self.start = now;
    }

    /// Restarts the clock (the `block_in_place` ended).
    pub(super) fn resume(&mut self, now: Instant) {
        self.start = now;
    }
}

/// One thread's current poll, shared with the monitor.
pub(crate) struct Slot {
    active: Mutex<Option<Active>>,
    thread: Thread,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, Option<Active>> {
        self.active.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes `next` this thread's current poll; returns the one it replaces.
    #[inline]
    pub(super) fn swap(&self, next: Option<Active>) -> Option<Active> {
        std::mem::replace(&mut *self.lock(), next)
    }

    /// The thread whose polls this slot shows.
    pub(super) fn thread(&self) -> &Thread {
        &self.thread
    }
}

/// Every thread that has polled under a watchdog. Dead threads leave a dead `Weak`,
/// pruned by the monitor.
static SLOTS: Mutex<Vec<Weak<Slot>>> = Mutex::new(Vec::new());

thread_local! {
    pub(super) static SLOT: Arc<Slot> = register();
}

fn register() -> Arc<Slot> {
    let slot = Arc::new(Slot {
        active: Mutex::new(None),
        thread: Thread::current(),
    });
    SLOTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Arc::downgrade(&slot));
    slot
}

/// How often the monitor looks: a quarter of the threshold, between 1 and 100 ms.
fn tick(threshold: Duration) -> Duration {
    (threshold / 4).clamp(Duration::from_millis(1), Duration::from_millis(100))
}

/// Starts the monitor thread of `installed`; it stops once that watchdog is retired.
#[track_caller]
pub(super) fn start(installed: Arc<Installed>) -> thread::JoinHandle<()> {
    let spawned = thread::Builder::new()
        .name("async-bridge-watchdog".into())
        .spawn(move || {
            let tick = tick(installed.threshold);
            loop {
                thread::park_timeout(tick);
                if installed.is_retired() {
                    break;
                }
                scan(&installed);
            }
        });
    match spawned {
        Ok(handle) => handle,
        Err(err) => panic!(
            "async-bridge could not start the watchdog's monitor thread: {err}; check the \
             process's thread limits"
        ),
    }
}

/// Reports each poll that has been running longer than the threshold and that this
/// watchdog has not reported yet (also polls that began under a watchdog it replaced).
fn scan(installed: &Installed) {
    let (epoch, threshold) = (installed.epoch, installed.threshold);
    let slots: Vec<Arc<Slot>> = {
        let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
        slots.retain(|slot| slot.strong_count() > 0);
        slots.iter().filter_map(Weak::upgrade).collect()
    };
    for slot in slots {
        let report = {
            let mut active = slot.lock();
            let now = Instant::now();
            match active.as_mut() {
                Some(a) if a.reported_by != epoch && a.elapsed(now) >= threshold => {
                    a.reported_by = epoch;
                    Some(StallReport::new(
                        a.probe.clone(),
                        a.elapsed(now),
                        threshold,
                        true,
                        slot.thread(),
                    ))
                }
                _ => None,
            }
        };
        if let Some(report) = report {
            installed::emit_running(installed, &report);
        }
    }
}
