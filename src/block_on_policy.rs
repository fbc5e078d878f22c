//! Where `block_on` may run: the table "Where `block_on` may run" of the crate docs, checked
//! against the innermost context of the calling thread (`context.rs` records it; this file
//! decides).

use crate::BlockOnError;
use crate::context::{self, Flavor, ThreadContext};
use crate::rt;
use crate::watchdog_hook;

/// What `block_on` may do on this thread.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Block this thread.
    Run,
    /// Block inside the flavour's `block_in_place` (tokio's), so that the thread's other
    /// tasks move to another thread first.
    RunInPlace(Flavor),
    /// Refuse: this thread drives async work that cannot move elsewhere.
    Refuse(ThreadContext),
}

/// Checks the table "Where `block_on` may run" against the innermost context.
#[inline]
pub(crate) fn verdict() -> Verdict {
    if let Some(ctx) = context::innermost_set() {
        return verdict_in(ctx);
    }
    // Nothing of ours (the common case, a plain thread): a runtime the application built
    // may be here.
    match rt::foreign_context() {
        ThreadContext::None => Verdict::Run,
        foreign => verdict_in(foreign),
    }
}

/// The verdict in a context that async-bridge, or a runtime the application built, set up.
#[inline]
fn verdict_in(ctx: ThreadContext) -> Verdict {
    match ctx {
        ThreadContext::None | ThreadContext::Blocking(_) => Verdict::Run,
        ThreadContext::BlockOn(flavor)
        | ThreadContext::Task(flavor)
        | ThreadContext::Foreign(flavor) => {
            if flavor.blocks_in_place() {
                Verdict::RunInPlace(flavor)
            } else {
                Verdict::Refuse(ctx)
            }
        }
    }
}

/// Runs `run` (a backend's own `block_on` of a future, as `callee`) where the table allows
/// it.
#[inline(always)]
pub(crate) fn try_block_on<R>(callee: Flavor, run: impl FnOnce() -> R) -> Result<R, BlockOnError> {
    match verdict() {
        Verdict::Run => Ok(run()),
        // The thread's other tasks move to another thread: the watchdog does not count the
        // blocked time against the task that called `block_on`.
        Verdict::RunInPlace(flavor) => Ok(in_place(flavor, run)),
        Verdict::Refuse(ctx) => Err(BlockOnError::new(ctx, callee)),
    }
}

/// Blocking in place: out of line, so that the common path (`Run`) stays small enough to
/// inline the backend's own `block_on` (the flavours' `block_in_place` are matched here).
#[cold]
#[inline(never)]
fn in_place<R>(flavor: Flavor, run: impl FnOnce() -> R) -> R {
    watchdog_hook::handed_off(|| rt::block_in_place(flavor, run))
}

/// Runs `run` (a sync call that must not refuse: `RuntimeThread::run`) wherever this thread
/// is: inside the flavour's `block_in_place` where the table would block in place, else
/// blocking the thread, as any sync call does (in the rows where `block_on` refuses too).
///
/// `run` hears whether the thread is inside any runtime's context: one async-bridge set up
/// (a task, a `block_on`, a blocking closure, a `run`), or one the application built (also a
/// thread that only entered it, or drives a tokio `Handle::block_on`). Only there can it be
/// inside a tokio task's cooperative budget, or be one of a runtime's own threads; on a
/// plain thread (the common case) `run` skips those checks.
#[inline(always)]
pub(crate) fn run_anywhere<R>(run: impl FnOnce(bool) -> R) -> R {
    if let Some(ctx) = context::innermost_set() {
        return run_in_async(verdict_in(ctx), run);
    }
    if !rt::in_any_runtime() {
        // The common case (a plain thread), with `run` inlined here.
        return run(false);
    }
    run_in_async(verdict_in(rt::foreign_context()), run)
}

/// [`run_anywhere`] inside a runtime's context: out of line.
#[cold]
#[inline(never)]
fn run_in_async<R>(verdict: Verdict, run: impl FnOnce(bool) -> R) -> R {
    match verdict {
        Verdict::RunInPlace(flavor) => in_place(flavor, || run(true)),
        Verdict::Run | Verdict::Refuse(_) => run(true),
    }
}
