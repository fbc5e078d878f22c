//! With the feature `tracing` and no `on_stall` callback, the watchdog's reports are
//! `tracing` warnings, target `async_bridge::watchdog`, with the task, the spawn location,
//! the duration and the one-line message as fields. (Its own binary: it sets the process's
//! global subscriber.)
#![cfg(all(
    feature = "tracing",
    any(feature = "tokio", feature = "smol", feature = "async-std")
))]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_bridge::task::Builder;
use async_bridge::watchdog::Watchdog;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

type Fields = BTreeMap<String, String>;

/// Records every event of the watchdog's target.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(Level, Fields)>>>);

struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() == "async_bridge::watchdog" {
            let mut fields = Fields::new();
            event.record(&mut Collect(&mut fields));
            self.0
                .lock()
                .unwrap()
                .push((*event.metadata().level(), fields));
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn reports_are_tracing_warnings_with_fields() {
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).unwrap();
    let guard = Watchdog::new(Duration::from_millis(20)).install();
    let line = line!() + 1;
    let handle = Builder::new().name("traced").spawn(async {
        std::thread::sleep(Duration::from_millis(100));
    });
    async_bridge::block_on(handle).unwrap();
    drop(guard);

    let events = recorder.0.lock().unwrap();
    let (level, fields) = events
        .iter()
        .find(|(_, f)| {
            f.get("task").map(String::as_str) == Some("traced")
                && f.get("still_running").map(String::as_str) == Some("false")
        })
        .unwrap_or_else(|| panic!("no report of the task in {events:#?}"));
    assert_eq!(*level, Level::WARN);
    assert!(
        fields["spawned_at"].starts_with(&format!("{}:{line}:", file!())),
        "{fields:#?}"
    );
    assert!(fields["duration_ms"].parse::<u64>().unwrap() >= 100);
    assert!(
        fields["message"].contains("blocked its thread for")
            && fields["message"].contains("spawn_blocking"),
        "{fields:#?}"
    );
}
