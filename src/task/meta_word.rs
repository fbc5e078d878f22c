//! [`MetaWord`]: a `JoinHandle`'s second word. It holds the task's [`TaskMeta`] and, once
//! the handle has state off its hot path (a cancellation in progress, tokio's "aborted", a
//! `RuntimeHandle` task's boxed handle), one box of the meta with that state.

// A tagged pointer, so that a handle is two words (its native handle and this one) and
// not three: BENCHMARKS.md, "A handle of two words".
#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::ptr::NonNull;

use crate::task::meta::{TaskMeta, untag};

/// A task's [`TaskMeta`], alone (one word, nothing allocated), or boxed together with a
/// handle's cold state `C` (the word points at the box, tagged with
/// [`TaskMeta::SPARE_BIT`]).
///
/// The meta is moved into the box and back, never dropped while the word lives, except by
/// [`set_meta`](Self::set_meta), which takes `&mut self`. So a task's name, which the meta
/// owns behind a shared allocation, stays where it is for as long as the owner of the word
/// is borrowed (what [`JoinHandle::name`](crate::JoinHandle::name) relies on).
pub(crate) struct MetaWord<C> {
    /// A meta's word ([`TaskMeta::into_word`], spare bit clear), or, with
    /// [`SIDE`] set, `Box::into_raw` of a `Box<Side<C>>`.
    word: NonNull<()>,
    /// Owns one or the other (for auto traits and drop check).
    _owns: PhantomData<(TaskMeta, Box<Side<C>>)>,
}

/// The tag of a boxed [`Side`].
const SIDE: usize = TaskMeta::SPARE_BIT;
const _: () = assert!(
    // A `Side` holds a `TaskMeta`: it is at least as aligned.
    align_of::<TaskMeta>() > SIDE,
    "MetaWord's tag bit must be free in a Side's pointer"
);

/// The meta and the cold state, in one allocation.
struct Side<C> {
    meta: TaskMeta,
    cold: C,
}

// SAFETY: a `MetaWord<C>` owns a `TaskMeta` (`Send + Sync`) or a `Box<Side<C>>`, which is
// `Send` exactly when `C` is. No other state is shared.
unsafe impl<C: Send> Send for MetaWord<C> {}
// SAFETY: as for `Send`: `&MetaWord<C>` only reads, and lends out `&TaskMeta` and `&C`.
unsafe impl<C: Sync> Sync for MetaWord<C> {}

impl<C> MetaWord<C> {
    #[inline]
    pub(crate) fn new(meta: TaskMeta) -> Self {
        MetaWord {
            word: meta.into_word(),
            _owns: PhantomData,
        }
    }

    /// The boxed side's pointer, untagged (keeping the provenance of `Box::into_raw`'s).
    #[inline]
    fn side(&self) -> Option<NonNull<Side<C>>> {
        untag(self.word, SIDE)
    }

    /// The task's meta.
    #[inline]
    pub(crate) fn meta(&self) -> &TaskMeta {
        match self.side() {
            // SAFETY: with `SIDE` set, the word is a live `Box<Side<C>>` that this value owns
            // (`set_cold`), freed only by `take_cold` or `drop`, which need `&mut self`: it
            // outlives `&self`.
            Some(side) => unsafe { &side.as_ref().meta },
            // SAFETY: without `SIDE`, the word is a meta's word that this value owns (`new`,
            // `take_cold`, `set_meta`), given back only with `&mut self` or `self`.
            None => unsafe { TaskMeta::from_word_ref(&self.word) },
        }
    }

    /// The cold state, if there is one.
    #[inline]
    pub(crate) fn cold(&self) -> Option<&C> {
        // SAFETY: as in `meta`.
        self.side().map(|side| unsafe { &side.as_ref().cold })
    }

    /// The meta and the cold state, if there is one.
    #[inline]
    pub(crate) fn cold_mut(&mut self) -> Option<(&TaskMeta, &mut C)> {
        // SAFETY: as in `meta`; `&mut self` makes the borrow exclusive.
        self.side().map(|mut side| {
            let side = unsafe { side.as_mut() };
            (&side.meta, &mut side.cold)
        })
    }

    /// Sets the cold state (replacing one there was), boxing the meta with it the first
    /// time.
    pub(crate) fn set_cold(&mut self, cold: C) {
        if let Some((_, old)) = self.cold_mut() {
            *old = cold;
            return;
        }
        // The box first, with a meta that owns nothing in its place: should the allocation
        // unwind, the word still owns the meta.
        let mut side = Box::new(Side {
            meta: TaskMeta::caller(),
            cold,
        });
        // SAFETY: without `SIDE` the word is a meta's word that this value owns (see
        // `meta`); it is given back here, to the box, and the word is replaced by the box's
        // on the next line. Nothing in between can unwind: the placeholder's drop is a
        // no-op (an unnamed meta owns nothing).
        side.meta = unsafe { TaskMeta::from_word(self.word) };
        self.word = NonNull::from(Box::leak(side))
            .cast::<()>()
            .map_addr(|addr| addr | SIDE);
    }

    /// Takes the cold state away, if there is one: the word is the meta's again.
    pub(crate) fn take_cold(&mut self) -> Option<C> {
        let side = self.side()?;
        // SAFETY: the word is `Box::into_raw` of a `Box<Side<C>>` that this value owns (see
        // `meta`), given back here, once: the word is replaced below by the meta's, which
        // this value owns again.
        let side = unsafe { Box::from_raw(side.as_ptr()) };
        let Side { meta, cold } = *side;
        self.word = meta.into_word();
        Some(cold)
    }

    /// Replaces the meta.
    pub(crate) fn set_meta(&mut self, meta: TaskMeta) {
        if let Some(mut side) = self.side() {
            // SAFETY: as in `cold_mut`.
            unsafe { side.as_mut().meta = meta };
            return;
        }
        // SAFETY: the word is a meta's word that this value owns (see `meta`), given back
        // here and replaced at once by the new meta's.
        drop(unsafe { TaskMeta::from_word(self.word) });
        self.word = meta.into_word();
    }
}

impl<C> Drop for MetaWord<C> {
    #[inline(always)]
    fn drop(&mut self) {
        // The common word, an unnamed task's location without cold state, owns nothing:
        // no call.
        if self.word.addr().get() & SIDE != 0 || TaskMeta::word_owns(self.word) {
            self.drop_slow();
        }
    }
}

impl<C> MetaWord<C> {
    #[cold]
    #[inline(never)]
    fn drop_slow(&mut self) {
        match self.side() {
            // SAFETY: the word is `Box::into_raw` of a `Box<Side<C>>` that this value owns,
            // given back once, here, in the drop.
            Some(side) => drop(unsafe { Box::from_raw(side.as_ptr()) }),
            // SAFETY: the word is a meta's word that this value owns, given back once,
            // here, in the drop.
            None => drop(unsafe { TaskMeta::from_word(self.word) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MetaWord;
    use crate::task::meta::TaskMeta;
    use std::panic::Location;
    use std::sync::Arc;

    #[test]
    fn one_word_with_a_niche() {
        assert_eq!(size_of::<MetaWord<[u64; 4]>>(), size_of::<usize>());
        assert_eq!(size_of::<Option<MetaWord<String>>>(), size_of::<usize>());
    }

    /// The meta moves into the box and back, its name staying put; every state is dropped
    /// once.
    #[test]
    fn boxes_the_meta_with_cold_state_and_back() {
        let name: Arc<str> = Arc::from("fetch-config");
        let location = Location::caller();
        let mut word = MetaWord::new(TaskMeta::new(Some(name.clone()), location));
        let before = word.meta().name().map(str::as_ptr);
        assert!(word.cold().is_none());

        let cold = Arc::new(());
        word.set_cold(cold.clone());
        assert_eq!(word.meta().name().map(str::as_ptr), before);
        assert_eq!(word.meta().location(), location);
        assert!(Arc::ptr_eq(word.cold().unwrap(), &cold));
        word.set_cold(Arc::new(()));
        assert_eq!(Arc::strong_count(&cold), 1, "a replaced cold state is dropped");

        let (meta, _) = word.cold_mut().unwrap();
        assert_eq!(meta.name(), Some("fetch-config"));
        assert!(word.take_cold().is_some());
        assert!(word.cold().is_none());
        assert_eq!(word.meta().name().map(str::as_ptr), before);

        word.set_cold(cold.clone());
        word.set_meta(TaskMeta::caller());
        assert_eq!(word.meta().name(), None);
        assert_eq!(Arc::strong_count(&name), 1, "the replaced meta is dropped");
        word.set_meta(TaskMeta::new(Some(name.clone()), location));
        drop(word);
        assert_eq!(Arc::strong_count(&cold), 1, "the cold state is dropped with the word");
        assert_eq!(Arc::strong_count(&name), 1, "the meta is dropped with the word");
    }
}
