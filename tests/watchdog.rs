//! The watchdog on every backend: a slow poll is reported once after it returns, with the
//! task's name and the file and line of its spawn; a stuck poll is reported while it is
//! still stuck, once; a task that only awaits is never reported; uninstalling (or
//! replacing) stops reports.
//!
//! The watchdog is process-wide, so the tests take turns (`SERIAL`), and each only counts
//! reports about its own task names: other code in this process may be reported too.
//! Margins are generous (a 200 ms block under a 20 ms threshold); nothing depends on exact
//! timings.
#![cfg(all(
    feature = "watchdog",
    any(feature = "tokio", feature = "smol", feature = "async-std")
))]

#[macro_use]
mod common;

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use async_bridge::task::Builder;
use async_bridge::watchdog::{StallReport, Watchdog, WatchdogGuard};
use async_bridge::{BlockOn, Runtime, RuntimeHandle, Spawn};

const MS: Duration = Duration::from_millis(1);

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A report, as the tests check it.
#[derive(Clone, Debug)]
struct Seen {
    name: Option<String>,
    file: &'static str,
    line: u32,
    running: bool,
    block_on: bool,
    duration: Duration,
    message: String,
    /// The test's flag at the time of the report (for "while still running").
    flag: bool,
}

#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
    flag: Arc<AtomicBool>,
}

impl Recorder {
    fn install(&self, threshold: Duration) -> WatchdogGuard {
        let me = self.clone();
        Watchdog::new(threshold)
            .on_stall(move |report: &StallReport| {
                let seen = Seen {
                    name: report.name().map(String::from),
                    file: report.location().file(),
                    line: report.location().line(),
                    running: report.is_running(),
                    block_on: report.is_block_on(),
                    duration: report.duration(),
                    message: report.to_string(),
                    flag: me.flag.load(Ordering::SeqCst),
                };
                me.seen.lock().unwrap().push(seen);
            })
            .install()
    }

    /// The reports about the task called `name`.
    fn about(&self, name: &str) -> Vec<Seen> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|s| s.name.as_deref() == Some(name))
            .cloned()
            .collect()
    }
}

/// A task name unique to this backend's variant of a test.
fn unique<R: Debug>(rt: &R, what: &str) -> String {
    format!("{what} on {rt:?}")
}

fn slow_poll_is_reported_once_after_it_returns<R: Runtime + Debug>(rt: R) {
    let _serial = serial();
    let rec = Recorder::default();
    let guard = rec.install(20 * MS);
    let name = unique(&rt, "sleepy");
    let line = line!() + 1;
    let handle = Builder::new().name(name.as_str()).spawn_on(
        async {
            thread::sleep(200 * MS); // blocks the executor thread
            7
        },
        &rt,
    );
    // The report is made when the poll returns, before the task's output is delivered.
    assert_eq!(rt.block_on(handle).unwrap(), 7);
    drop(guard);

    let seen = rec.about(&name);
    let after: Vec<_> = seen.iter().filter(|s| !s.running).collect();
    assert_eq!(
        after.len(),
        1,
        "one report after the poll returns: {seen:#?}"
    );
    let report = after[0];
    assert_eq!((report.file, report.line), (file!(), line), "{report:#?}");
    assert!(report.duration >= 200 * MS, "{report:#?}");
    assert!(!report.block_on);
    for needle in [
        format!("task {name:?}"),
        format!("spawned at {}:{line}:", file!()),
        "blocked its thread for".to_string(),
        "spawn_blocking".to_string(),
    ] {
        assert!(
            report.message.contains(&needle),
            "{needle:?} in {:?}",
            report.message
        );
    }
    // The monitor may also have seen it while it slept: at most once.
    assert!(seen.iter().filter(|s| s.running).count() <= 1, "{seen:#?}");
}

fn stuck_poll_is_reported_while_still_running<R: Runtime + Debug>(rt: R) {
    let _serial = serial();
    let rec = Recorder::default();
    let guard = rec.install(20 * MS);
    let name = unique(&rt, "stuck");
    let done = rec.flag.clone();
    let line = line!() + 1;
    let handle = Builder::new().name(name.as_str()).spawn_on(
        async move {
            thread::sleep(500 * MS); // a deadlocked sync call, say
            done.store(true, Ordering::SeqCst);
        },
        &rt,
    );
    rt.block_on(handle).unwrap();
    drop(guard);

    let seen = rec.about(&name);
    let running: Vec<_> = seen.iter().filter(|s| s.running).collect();
    // Once per stall, not once per tick (the monitor looks every 5 ms here).
    assert_eq!(running.len(), 1, "one report while stuck: {seen:#?}");
    let report = running[0];
    assert!(
        !report.flag,
        "reported while the task was still stuck: {report:#?}"
    );
    assert_eq!((report.file, report.line), (file!(), line));
    assert!(
        report.duration >= 20 * MS && report.duration < 500 * MS,
        "{report:#?}"
    );
    assert!(
        report.message.contains("is still running"),
        "{}",
        report.message
    );
    // And once more when it returns, with the whole duration.
    let after: Vec<_> = seen.iter().filter(|s| !s.running).collect();
    assert_eq!(after.len(), 1, "{seen:#?}");
    assert!(after[0].duration >= 500 * MS);
}

fn task_that_only_awaits_is_never_reported<R: Runtime + Debug>(rt: R) {
    let _serial = serial();
    let rec = Recorder::default();
    // 50 ms rather than 20: a poll of a few microseconds is never preempted that long,
    // even on a loaded CI machine. The task spends 300 ms awaiting, far past the threshold.
    let guard = rec.install(50 * MS);
    let name = unique(&rt, "patient");
    let timer = rt.clone();
    let handle = Builder::new().name(name.as_str()).spawn_on(
        async move {
            for _ in 0..30 {
                timer.sleep(10 * MS).await;
            }
        },
        &rt,
    );
    rt.block_on(handle).unwrap();
    drop(guard);
    assert!(rec.about(&name).is_empty(), "{:#?}", rec.about(&name));
}

fn uninstalling_and_replacing_stop_reports<R: Runtime + Debug>(rt: R) {
    let _serial = serial();
    let sleepy = |rt: &R, name: &str| {
        let handle = Builder::new()
            .name(name)
            .spawn_on(async { thread::sleep(100 * MS) }, rt);
        rt.block_on(handle).unwrap();
    };

    // Uninstalled: nothing more is reported.
    let rec = Recorder::default();
    let guard = rec.install(20 * MS);
    assert!(guard.is_installed());
    drop(guard);
    let name = unique(&rt, "after uninstall");
    sleepy(&rt, &name);
    assert!(rec.about(&name).is_empty(), "{:#?}", rec.about(&name));

    // Replaced: only the new one reports; dropping the old guard changes nothing.
    let old = Recorder::default();
    let new = Recorder::default();
    let old_guard = old.install(20 * MS);
    let new_guard = new.install(20 * MS);
    assert!(!old_guard.is_installed() && new_guard.is_installed());
    drop(old_guard);
    let name = unique(&rt, "after replace");
    sleepy(&rt, &name);
    drop(new_guard);
    assert!(old.about(&name).is_empty(), "{:#?}", old.about(&name));
    assert_eq!(new.about(&name).iter().filter(|s| !s.running).count(), 1);
}

fn slow_block_on_future_is_reported_at_its_call<R: Runtime + Debug>(rt: R) {
    let _serial = serial();
    let rec = Recorder::default();
    let guard = rec.install(20 * MS);
    let line = line!() + 1;
    rt.block_on(async { thread::sleep(100 * MS) });
    // Through the dyn handle, the location is still the caller's.
    let handle = RuntimeHandle::new(rt.clone());
    let dyn_line = line!() + 1;
    handle.block_on(async { thread::sleep(100 * MS) });
    drop(guard);

    let seen = rec.seen.lock().unwrap();
    for line in [line, dyn_line] {
        let mine: Vec<_> = seen
            .iter()
            .filter(|s| s.block_on && !s.running && s.file == file!() && s.line == line)
            .collect();
        assert_eq!(mine.len(), 1, "line {line}: {seen:#?}");
        assert!(mine[0].message.contains("the future of `block_on` at"));
    }
}

fn names_and_locations_cross_the_dyn_handle<R: Runtime + Debug>(rt: R) {
    let _serial = serial();
    let rec = Recorder::default();
    let guard = rec.install(20 * MS);
    let handle = RuntimeHandle::new(rt.clone());
    let name = unique(&rt, "dyn");
    let builder = Builder::new().name(name.as_str());
    let line = line!() + 1;
    let task = builder.spawn_on(async { thread::sleep(100 * MS) }, &handle);
    handle.block_on(task).unwrap();
    // A plain spawn records its location too.
    let plain_line = line!() + 1;
    let plain = handle.spawn(async { thread::sleep(100 * MS) });
    handle.block_on(plain).unwrap();
    drop(guard);

    let named: Vec<_> = rec
        .about(&name)
        .into_iter()
        .filter(|s| !s.running)
        .collect();
    assert_eq!(named.len(), 1);
    assert_eq!((named[0].file, named[0].line), (file!(), line));
    let seen = rec.seen.lock().unwrap();
    assert!(
        seen.iter()
            .any(|s| s.name.is_none() && !s.block_on && s.file == file!() && s.line == plain_line),
        "{seen:#?}"
    );
}

/// On a tokio multi-thread worker, `block_on` inside a task blocks in place: the worker's
/// other tasks move to another thread, so that time is not a stall of the task; the time
/// the task blocked before it still is.
fn block_in_place_is_not_a_stall<R: Runtime + Debug>(rt: R) {
    if !common::variant_of(&rt).blocks_in_place() {
        return; // elsewhere `block_on` in a task is refused (tested in conformance)
    }
    let _serial = serial();
    let rec = Recorder::default();
    // 50 ms: the awaiting part must not be reported, even if the OS preempts a poll.
    let guard = rec.install(50 * MS);
    let name = unique(&rt, "in place");
    let inner = rt.clone();
    let handle = Builder::new()
        .name(name.as_str())
        .spawn_on(async move { inner.block_on(inner.sleep(200 * MS)) }, &rt);
    rt.block_on(handle).unwrap();

    let name2 = unique(&rt, "blocks, then in place");
    let inner = rt.clone();
    let handle = Builder::new().name(name2.as_str()).spawn_on(
        async move {
            thread::sleep(100 * MS); // a real stall: the worker's tasks are still queued
            inner.block_on(inner.sleep(400 * MS));
        },
        &rt,
    );
    rt.block_on(handle).unwrap();
    drop(guard);

    assert!(rec.about(&name).is_empty(), "{:#?}", rec.about(&name));
    let after: Vec<_> = rec
        .about(&name2)
        .into_iter()
        .filter(|s| !s.running)
        .collect();
    assert_eq!(after.len(), 1, "{after:#?}");
    assert!(
        after[0].duration >= 100 * MS && after[0].duration < 400 * MS,
        "the 100 ms before block_on count, the 400 ms in place do not: {after:#?}"
    );
}

/// A watchdog installed while a poll is stuck reports it: the new monitor has not reported
/// it yet, and the poll's end goes to the watchdog installed then.
fn a_replacing_watchdog_sees_a_stall_in_progress<R: Runtime + Debug>(rt: R) {
    let _serial = serial();
    let old = Recorder::default();
    let new = Recorder::default();
    let old_guard = old.install(20 * MS);
    let name = unique(&rt, "stuck across a replace");
    let started = Arc::new(AtomicBool::new(false));
    let flag = started.clone();
    let handle = Builder::new().name(name.as_str()).spawn_on(
        async move {
            flag.store(true, Ordering::SeqCst);
            thread::sleep(400 * MS);
        },
        &rt,
    );
    // Drive a current-thread runtime from another thread meanwhile.
    let driver = {
        let rt = rt.clone();
        thread::spawn(move || rt.block_on(handle).unwrap())
    };
    common::wait_until("the task started", || started.load(Ordering::SeqCst));
    thread::sleep(50 * MS);
    let new_guard = new.install(20 * MS);
    drop(old_guard);
    driver.join().unwrap();
    drop(new_guard);

    let seen = new.about(&name);
    assert_eq!(seen.iter().filter(|s| s.running).count(), 1, "{seen:#?}");
    assert_eq!(seen.iter().filter(|s| !s.running).count(), 1, "{seen:#?}");
    assert!(
        old.about(&name).iter().all(|s| s.running),
        "{:#?}",
        old.about(&name)
    );
}

/// A slow poll that ends in a panic is reported too, once, after it returns: the task's
/// panic does not hide its stall (on tokio the panic goes on to tokio, after the report).
fn slow_poll_that_panics_is_reported<R: Runtime + Debug>(rt: R) {
    let _serial = serial();
    let rec = Recorder::default();
    let guard = rec.install(20 * MS);
    let name = unique(&rt, "slow then panics");
    let handle = Builder::new().name(name.as_str()).spawn_on(
        async {
            thread::sleep(200 * MS);
            panic!("after a slow poll");
        },
        &rt,
    );
    let err = rt.block_on(handle).unwrap_err();
    drop(guard);
    assert!(err.is_panic(), "{err:?}");
    let seen = rec.about(&name);
    assert_eq!(
        seen.iter().filter(|s| !s.running).count(),
        1,
        "one report after the poll returned: {seen:#?}"
    );
}

per_backend!(
    slow_poll_is_reported_once_after_it_returns,
    slow_poll_that_panics_is_reported,
    stuck_poll_is_reported_while_still_running,
    task_that_only_awaits_is_never_reported,
    uninstalling_and_replacing_stop_reports,
    slow_block_on_future_is_reported_at_its_call,
    names_and_locations_cross_the_dyn_handle,
    block_in_place_is_not_a_stall,
    a_replacing_watchdog_sees_a_stall_in_progress,
);

#[test]
#[should_panic(expected = "Watchdog::new(Duration::ZERO) would report every poll")]
fn a_zero_threshold_is_refused() {
    let _ = Watchdog::new(Duration::ZERO);
}

/// A callback that panics is caught: the task still completes, the watchdog keeps
/// reporting.
#[cfg(feature = "smol")]
#[test]
fn a_panicking_callback_does_not_break_the_runtime() {
    common::deadline(
        60,
        "a_panicking_callback_does_not_break_the_runtime",
        || {
            let _serial = serial();
            let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let counted = calls.clone();
            let guard = Watchdog::new(20 * MS)
                .on_stall(move |report| {
                    if report.name() == Some("panicky callback") && !report.is_running() {
                        counted.fetch_add(1, Ordering::SeqCst);
                        panic!("callback bug");
                    }
                })
                .install();
            let rt = async_bridge::Smol::default();
            for _ in 0..2 {
                let handle = Builder::new()
                    .name("panicky callback")
                    .spawn_on(async { thread::sleep(50 * MS) }, &rt);
                rt.block_on(handle).unwrap();
            }
            drop(guard);
            assert_eq!(calls.load(Ordering::SeqCst), 2);
        },
    );
}

/// A callback that drops its own guard neither deadlocks nor gets more reports, also when
/// the monitor thread runs the same callback at the same time.
#[test]
fn a_callback_may_drop_its_own_guard() {
    common::deadline(60, "a_callback_may_drop_its_own_guard", || {
        let _serial = serial();
        let slot: Arc<Mutex<Option<WatchdogGuard>>> = Arc::default();
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let guard = Watchdog::new(20 * MS)
            .on_stall({
                let slot = slot.clone();
                let calls = calls.clone();
                move |report| {
                    if report.name() == Some("drops its guard") {
                        calls.fetch_add(1, Ordering::SeqCst);
                        // The guard drops while `slot` is locked.
                        slot.lock().unwrap().take();
                    }
                }
            })
            .install();
        *slot.lock().unwrap() = Some(guard);
        let stall = || {
            let handle = Builder::new()
                .name("drops its guard")
                .spawn(async { thread::sleep(100 * MS) });
            async_bridge::block_on(handle).unwrap();
        };
        stall();
        assert!(slot.lock().unwrap().is_none());
        // The first report (the monitor's, while running) uninstalled it; the poll's own
        // report is delivered only if it was already on its way.
        let first = calls.load(Ordering::SeqCst);
        assert!((1..=2).contains(&first), "{first}");
        stall();
        stall();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            first,
            "reports after the drop"
        );
    });
}
