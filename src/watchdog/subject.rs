//! What the watchdog watches: the future a poll belongs to (a task, or the future of a
//! `block_on`) and the thread the poll runs on.

use std::panic::Location;
use std::sync::Arc;
use std::thread::ThreadId;

use crate::task::meta::TaskMeta;

/// What was polled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Polled {
    Task,
    BlockOn,
}

/// What the watchdog knows of the future it times: a task's name and spawn location, or
/// the location of a `block_on`.
#[derive(Clone)]
pub(crate) struct Probe {
    pub(super) name: Option<Arc<str>>,
    pub(super) location: &'static Location<'static>,
    pub(super) polled: Polled,
}

impl Probe {
    #[inline]
    pub(crate) fn task(meta: &TaskMeta) -> Self {
        Probe {
            name: meta.shared_name().cloned(),
            location: meta.location(),
            polled: Polled::Task,
        }
    }

    #[inline]
    pub(crate) fn block_on(location: &'static Location<'static>) -> Self {
        Probe {
            name: None,
            location,
            polled: Polled::BlockOn,
        }
    }
}

/// The thread a poll ran on, as a report names it.
#[derive(Clone, Debug)]
pub(super) struct Thread {
    pub(super) name: Option<Arc<str>>,
    pub(super) id: ThreadId,
}

impl Thread {
    /// The calling thread.
    pub(super) fn current() -> Self {
        let current = std::thread::current();
        Thread {
            name: current.name().map(Arc::from),
            id: current.id(),
        }
    }
}
