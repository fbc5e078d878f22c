//! What a spawn records about its task: an optional name and where it was spawned.

// A tagged pointer, so that every `JoinHandle` carries one word of metadata instead of two (BENCHMARKS.md, "The size curve": each word of handle
// costs wall-clock time on a batch of spawns).
#![allow(unsafe_code)]

use std::fmt;
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::Arc;

/// What a spawn records about its task: the name given to
/// [`Builder::name`](crate::task::Builder::name), if any, and the caller's source location
/// (every spawn is `#[track_caller]`).
///
/// It reaches the backend through [`Spawn::spawn_with_meta`](crate::Spawn) and is shown by
/// `JoinHandle`'s `Debug`, `JoinError`'s `Display` and the watchdog's reports. Cloning it
/// never allocates (a name is shared).
///
/// It is one word: every `JoinHandle` carries one, so its size is paid per handle held
/// (BENCHMARKS.md, "The size curve"). An unnamed task's meta is a pointer to its
/// `&'static` location, with nothing allocated; a named task's is a pointer to one shared
/// allocation holding the name and the location, made at the spawn, with its low bit set.
#[doc(hidden)]
// Transparent, so that a `MetaWord` holding this word can lend it as a `&TaskMeta`.
#[repr(transparent)]
pub struct TaskMeta {
    /// A `&'static Location<'static>`, or, with [`NAMED`] set, an `Arc<Named>` from
    /// `Arc::into_raw` (whose strong count this value owns one of).
    tagged: NonNull<()>,
    /// Owns an `Arc<Named>` (for auto traits and drop check).
    _owns: PhantomData<Arc<Named>>,
}

/// The tag of a named task's pointer. Both pointees are aligned to at least 2, so the low
/// bit of their addresses is free.
const NAMED: usize = 1;
const _: () = assert!(
    align_of::<Location<'static>>() > NAMED && align_of::<Named>() > NAMED,
    "TaskMeta's tag bit must be free in both pointers"
);

struct Named {
    name: Arc<str>,
    location: &'static Location<'static>,
}

// SAFETY: a `TaskMeta` is either a `&'static Location` (`Send + Sync`) or an owned
// `Arc<Named>`, where `Named` holds an `Arc<str>` and a `&'static Location`: `Send + Sync`.
// No other state is shared.
unsafe impl Send for TaskMeta {}
// SAFETY: as for `Send`; `&TaskMeta` only reads.
unsafe impl Sync for TaskMeta {}

impl TaskMeta {
    /// An unnamed task spawned at the caller's location.
    #[track_caller]
    #[inline]
    pub(crate) fn caller() -> Self {
        Self::unnamed(Location::caller())
    }

    #[inline]
    fn unnamed(location: &'static Location<'static>) -> Self {
        TaskMeta {
            tagged: NonNull::from(location).cast(),
            _owns: PhantomData,
        }
    }

    #[inline]
    pub(crate) fn new(name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        let Some(name) = name else {
            return Self::unnamed(location);
        };
        let named = Arc::into_raw(Arc::new(Named { name, location }));
        // `Arc::into_raw` never returns null.
        let named = NonNull::new(named.cast_mut()).expect("Arc::into_raw is never null");
        TaskMeta {
            tagged: named.cast::<()>().map_addr(|addr| addr | NAMED),
            _owns: PhantomData,
        }
    }

    /// The `Arc<Named>`'s pointer, untagged (derived from `tagged` itself, so that it keeps
    /// the provenance of `Arc::into_raw`'s, as `Arc::from_raw` needs).
    #[inline]
    fn named_ptr(&self) -> Option<NonNull<Named>> {
        untag(self.tagged, NAMED)
    }

    /// The shared name and location of a named task.
    #[inline]
    fn named(&self) -> Option<&Named> {
        // SAFETY: with `NAMED` set, `tagged` is `Arc::into_raw` of an `Arc<Named>` with the
        // tag added (`new`), and this value owns one strong count of it (`new`, `clone`),
        // released only in `drop`: the `Named` lives at least as long as `&self`.
        self.named_ptr().map(|named| unsafe { named.as_ref() })
    }

    /// The task's name, if it was given one.
    #[inline]
    pub(crate) fn name(&self) -> Option<&str> {
        self.shared_name().map(|name| &**name)
    }

    #[inline]
    pub(crate) fn shared_name(&self) -> Option<&Arc<str>> {
        self.named().map(|named| &named.name)
    }

    /// Where the task was spawned.
    #[inline]
    pub(crate) fn location(&self) -> &'static Location<'static> {
        match self.named() {
            Some(named) => named.location,
            // SAFETY: without `NAMED`, `tagged` is a `&'static Location<'static>`
            // (`unnamed`): valid, immutable and never freed.
            None => unsafe { self.tagged.cast::<Location<'static>>().as_ref() },
        }
    }

    /// The word itself, owned by the caller until [`from_word`](Self::from_word) gives it
    /// back. Its [`SPARE_BIT`](Self::SPARE_BIT) is clear.
    #[inline]
    pub(crate) fn into_word(self) -> NonNull<()> {
        std::mem::ManuallyDrop::new(self).tagged
    }

    /// The meta whose word [`into_word`](Self::into_word) returned.
    ///
    /// # Safety
    ///
    /// `word` is the word of an `into_word` not given back yet; it is given back here, once.
    #[inline]
    pub(crate) unsafe fn from_word(word: NonNull<()>) -> Self {
        TaskMeta {
            tagged: word,
            _owns: PhantomData,
        }
    }

    /// The meta whose word [`into_word`](Self::into_word) returned, borrowed where it is kept.
    ///
    /// # Safety
    ///
    /// `*word` is the word of an `into_word` not given back yet, and stays so while the
    /// borrow lives.
    #[inline]
    pub(crate) unsafe fn from_word_ref(word: &NonNull<()>) -> &Self {
        // SAFETY: `TaskMeta` is `repr(transparent)` over its word (its other field is a
        // zero-sized marker), and the caller vouches for the word.
        unsafe { &*std::ptr::from_ref(word).cast::<TaskMeta>() }
    }

    /// Whether a meta's word owns anything (a named task's shared name): dropping one that
    /// does not is a no-op.
    #[inline(always)]
    pub(crate) fn word_owns(word: NonNull<()>) -> bool {
        word.addr().get() & NAMED != 0
    }

    /// A bit that no meta's word has set, for the word's keeper to tag its own pointers
    /// with (`MetaWord`): above `NAMED`, below the alignment of every pointee (checked).
    pub(crate) const SPARE_BIT: usize = NAMED << 1;
}

const _: () = assert!(
    align_of::<Location<'static>>() > TaskMeta::SPARE_BIT
        && align_of::<Named>() > TaskMeta::SPARE_BIT,
    "TaskMeta's spare bit must be free in both pointers"
);

/// The pointer that `word` holds when `tag` is set in it, with the tag cleared, derived from
/// `word` itself so that it keeps the provenance of the pointer that was tagged (as
/// `Arc::from_raw` and `Box::from_raw` need); `None` when `tag` is clear.
#[inline]
pub(crate) fn untag<T>(word: NonNull<()>, tag: usize) -> Option<NonNull<T>> {
    if word.addr().get() & tag == 0 {
        return None;
    }
    let untagged = word.map_addr(|addr| {
        NonZeroUsize::new(addr.get() & !tag).expect("a tagged pointer is non-null")
    });
    Some(untagged.cast::<T>())
}

impl Clone for TaskMeta {
    #[inline]
    fn clone(&self) -> Self {
        if let Some(named) = self.named_ptr() {
            // SAFETY: `named` is `Arc::into_raw` of a live `Arc<Named>` (see `named`); the
            // clone owns the count added here.
            unsafe { Arc::increment_strong_count(named.as_ptr().cast_const()) };
        }
        TaskMeta {
            tagged: self.tagged,
            _owns: PhantomData,
        }
    }
}

impl Drop for TaskMeta {
    #[inline]
    fn drop(&mut self) {
        if let Some(named) = self.named_ptr() {
            // SAFETY: `named` is `Arc::into_raw` of an `Arc<Named>` of which this value owns
            // one strong count (see `named`), given back here, once.
            drop(unsafe { Arc::from_raw(named.as_ptr().cast_const()) });
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

#[cfg(test)]
mod tests {
    use super::TaskMeta;
    use std::panic::Location;
    use std::sync::Arc;

    #[test]
    fn one_word_with_a_niche() {
        assert_eq!(size_of::<TaskMeta>(), size_of::<usize>());
        assert_eq!(size_of::<Option<TaskMeta>>(), size_of::<usize>());
    }

    #[test]
    fn unnamed_keeps_its_location() {
        let meta = TaskMeta::caller();
        let here = Location::caller();
        assert_eq!(meta.location().file(), here.file());
        assert_eq!(meta.name(), None);
        let clone = meta.clone();
        drop(meta);
        assert_eq!(clone.location().file(), here.file());
    }

    #[test]
    fn named_shares_one_allocation_and_frees_it() {
        let name: Arc<str> = Arc::from("fetch-config");
        let location = Location::caller();
        let meta = TaskMeta::new(Some(name.clone()), location);
        assert_eq!(meta.name(), Some("fetch-config"));
        assert_eq!(meta.location(), location);
        let clones: Vec<_> = (0..3).map(|_| meta.clone()).collect();
        // The name is held once, by the shared `Named`, however many clones there are.
        assert_eq!(Arc::strong_count(&name), 2);
        assert!(clones.iter().all(|c| c.name() == Some("fetch-config")));
        drop(clones);
        drop(meta);
        assert_eq!(Arc::strong_count(&name), 1, "the last clone frees the Named");
    }
}
