//! [`Detach`]: a native handle whose drop detaches its task (async-task's own handle
//! cancels on drop).

// `ManuallyDrop` rather than an `Option`, so that the handle keeps its pointer's niche for
// the enum of backends' handles: one word on one backend (BENCHMARKS.md, "A handle of two
// words").
#![allow(unsafe_code)]

use std::mem::ManuallyDrop;

use crate::rt::async_task::NativeTask;

/// A native handle; dropped, it detaches its task, which then runs to completion.
pub(crate) struct Detach<N: NativeTask>(ManuallyDrop<N>);

impl<N: NativeTask> Detach<N> {
    #[inline]
    pub(crate) fn new(task: N) -> Self {
        Detach(ManuallyDrop::new(task))
    }

    #[inline(always)]
    pub(crate) fn get_mut(&mut self) -> &mut N {
        &mut self.0
    }

    /// The native handle itself, no longer detached on drop.
    #[inline]
    pub(crate) fn into_inner(self) -> N {
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped, so its handle is taken once, here, and never
        // used again.
        unsafe { ManuallyDrop::take(&mut this.0) }
    }
}

impl<N: NativeTask> Drop for Detach<N> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the handle is taken once, here, in the drop, after which `self` is never
        // used (`into_inner` forgets its value instead of dropping it).
        unsafe { ManuallyDrop::take(&mut self.0) }.detach();
    }
}
