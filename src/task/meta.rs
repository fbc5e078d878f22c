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
/// never allocates (a name is shared).
///
/// It is two words (16 bytes), not three: every `JoinHandle` carries one, so its size is
/// paid per handle held (BENCHMARKS.md, "The handle's size, measured alone"). An unnamed
/// task's meta is its location; a named task's is one shared allocation holding the name
/// and the location, made at the spawn.
#[doc(hidden)]
#[derive(Clone)]
pub struct TaskMeta {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// The common case: no name, nothing allocated.
    Unnamed(&'static Location<'static>),
    Named(Arc<Named>),
}

struct Named {
    name: Arc<str>,
    location: &'static Location<'static>,
}

impl TaskMeta {
    /// An unnamed task spawned at the caller's location.
    #[track_caller]
    #[inline]
    pub(crate) fn caller() -> Self {
        TaskMeta {
            repr: Repr::Unnamed(Location::caller()),
        }
    }

    #[inline]
    pub(crate) fn new(name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        let repr = match name {
            None => Repr::Unnamed(location),
            Some(name) => Repr::Named(Arc::new(Named { name, location })),
        };
        TaskMeta { repr }
    }

    /// The task's name, if it was given one.
    #[inline]
    pub(crate) fn name(&self) -> Option<&str> {
        self.shared_name().map(|name| &**name)
    }

    #[inline]
    pub(crate) fn shared_name(&self) -> Option<&Arc<str>> {
        match &self.repr {
            Repr::Unnamed(_) => None,
            Repr::Named(named) => Some(&named.name),
        }
    }

    /// Where the task was spawned.
    #[inline]
    pub(crate) fn location(&self) -> &'static Location<'static> {
        match &self.repr {
            Repr::Unnamed(location) => location,
            Repr::Named(named) => named.location,
        }
    }
}

impl fmt::Debug for TaskMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskMeta")
            .field("name", &self.name())
            .field("spawned_at", &format_args!("{}", self.location()))
            .finish()
    }
}
