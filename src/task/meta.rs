//! What a spawn records about its task: an optional name and where it was spawned.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

/// What a spawn records about its task: the name given to
/// [`Builder::name`](crate::task::Builder::name), if any, and the caller's source location
/// (every spawn is `#[track_caller]`).
///
/// It reaches the backend through [`Spawn::spawn_with_meta`](crate::Spawn) and is shown by
/// `JoinHandle`'s `Debug`, `JoinError`'s `Display` and the watchdog's reports. Cloning it
/// never allocates (the name is shared).
#[doc(hidden)]
#[derive(Clone)]
pub struct TaskMeta {
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
}

impl TaskMeta {
    /// An unnamed task spawned at the caller's location.
    #[track_caller]
    #[inline]
    pub(crate) fn caller() -> Self {
        TaskMeta {
            name: None,
            location: Location::caller(),
        }
    }

    #[inline]
    pub(crate) fn new(name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        TaskMeta { name, location }
    }

    /// The task's name, if it was given one.
    #[inline]
    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    #[inline]
    pub(crate) fn shared_name(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }

    /// Where the task was spawned.
    #[inline]
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl fmt::Debug for TaskMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskMeta")
            .field("name", &self.name())
            .field("spawned_at", &format_args!("{}", self.location))
            .finish()
    }
}
