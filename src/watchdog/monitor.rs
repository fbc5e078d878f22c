//! The monitor thread, and the per-thread slots it reads: which poll each thread is in
//! and since when.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread;
use std::time::{Duration, Instant};

use super::probe::Probe;
use super::report::StallReport;

/// The poll a thread is in.
pub(crate) struct Active {
    start: Instant,
    epoch: u64,
    pub(super) probe: Probe,
    /// The monitor reported it while running: once per stall.
    reported: bool,
}

impl Active {
    #[inline]
    pub(super) fn new(start: Instant, epoch: u64, probe: &Probe) -> Self {
        Active {
            start,
            epoch,
            probe: probe.clone(),
            reported: false,
        }
    }

    pub(super) fn start(&self) -> Instant {
        self.start
    }

    pub(super) fn restart(&mut self, now: Instant) {
        self.start = now;
        self.reported = false;
    }
}

/// One thread's current poll, shared with the monitor.
pub(crate) struct Slot {
    active: Mutex<Option<Active>>,
    thread_name: Option<Arc<str>>,
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

    pub(super) fn thread_name(&self) -> Option<Arc<str>> {
        self.thread_name.clone()
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
        thread_name: thread::current().name().map(Arc::from),
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

/// Starts the monitor thread of the watchdog `epoch`; it stops once that watchdog is no
/// longer the installed one.
#[track_caller]
pub(super) fn start(epoch: u64, threshold: Duration) -> thread::JoinHandle<()> {
    let spawned = thread::Builder::new()
        .name("async-bridge-watchdog".into())
        .spawn(move || {
            let tick = tick(threshold);
            while super::epoch() == epoch {
                thread::park_timeout(tick);
                scan(epoch, threshold);
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

/// Reports each poll that has been running longer than `threshold` and was not reported
/// yet.
fn scan(epoch: u64, threshold: Duration) {
    let slots: Vec<Arc<Slot>> = {
        let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
        slots.retain(|slot| slot.strong_count() > 0);
        slots.iter().filter_map(Weak::upgrade).collect()
    };
    for slot in slots {
        let now = Instant::now();
        let report = {
            let mut active = slot.lock();
            match active.as_mut() {
                Some(a) if a.epoch == epoch && !a.reported && now - a.start >= threshold => {
                    a.reported = true;
                    Some(StallReport::new(
                        a.probe.clone(),
                        now - a.start,
                        threshold,
                        true,
                        slot.thread_name(),
                    ))
                }
                _ => None,
            }
        };
        if let Some(report) = report {
            super::emit(epoch, &report);
        }
    }
}
