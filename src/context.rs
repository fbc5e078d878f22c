//! Which async context the current thread is in.
//!
//! One thread-local, owned by async-bridge, records what the current thread is doing:
//! driving one of our `block_on`s, polling a task we spawned, or running one of our
//! `spawn_blocking` closures, and on which backend. Every backend sets it; it is the only
//! portable signal (smol has no "current executor" API, tokio cannot tell a worker from a
//! blocking thread). `verdict` turns it into the table "Where `block_on` may run".

use std::cell::Cell;

use crate::BlockOnError;

/// A backend, and for tokio its scheduler flavour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // the variants of disabled backends
#[repr(u8)]
pub(crate) enum Flavor {
    // The low two bits of `Context::encode`: `Context::decode` reads them back in this
    // order (checked at compile time below, and by the round-trip test).
    TokioMultiThread = 0,
    TokioCurrentThread = 1,
    Smol = 2,
    AsyncStd = 3,
}

impl Flavor {
    /// Every flavour, in the order of their discriminants.
    #[cfg(test)]
    const ALL: [Flavor; 4] = [
        Flavor::TokioMultiThread,
        Flavor::TokioCurrentThread,
        Flavor::Smol,
        Flavor::AsyncStd,
    ];
}

// `Context::encode` keeps a flavour in two bits.
const _: () = assert!(
    Flavor::AsyncStd as u8 == 3,
    "a flavour must fit in two bits"
);

impl Flavor {
    /// How messages name this backend.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Flavor::TokioMultiThread => "tokio (multi-thread)",
            Flavor::TokioCurrentThread => "tokio (current-thread)",
            Flavor::Smol => "smol",
            Flavor::AsyncStd => "async-std",
        }
    }
}

/// What the current thread is doing, innermost first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    /// Nothing async-bridge set up. A runtime the application built may still be here:
    /// `crate::rt::foreign_context` asks.
    None,
    /// Driving an async-bridge `block_on` of this backend.
    BlockOn(Flavor),
    /// Polling a task async-bridge spawned on this backend.
    Task(Flavor),
    /// Running a `spawn_blocking` closure of this backend.
    Blocking(Flavor),
    /// Inside a runtime the application built itself (a `#[tokio::main]` body, a native
    /// tokio task), found by asking the runtime.
    #[allow(dead_code)] // only tokio can tell
    Foreign(Flavor),
}

impl Context {
    /// The one byte the thread-local stores: saving and restoring it around every poll is
    /// then one load and one store (the enum itself is two bytes, copied one at a time).
    const fn encode(self) -> u8 {
        let (kind, flavor) = match self {
            Context::None => return 0,
            Context::BlockOn(flavor) => (1, flavor),
            Context::Task(flavor) => (2, flavor),
            Context::Blocking(flavor) => (3, flavor),
            Context::Foreign(flavor) => (4, flavor),
        };
        kind << 2 | flavor as u8
    }

    #[inline]
    fn decode(byte: u8) -> Context {
        let flavor = match byte & 3 {
            0 => Flavor::TokioMultiThread,
            1 => Flavor::TokioCurrentThread,
            2 => Flavor::Smol,
            _ => Flavor::AsyncStd,
        };
        match byte >> 2 {
            1 => Context::BlockOn(flavor),
            2 => Context::Task(flavor),
            3 => Context::Blocking(flavor),
            4 => Context::Foreign(flavor),
            _ => Context::None,
        }
    }
}

thread_local! {
    static CURRENT: Cell<u8> = const { Cell::new(Context::None.encode()) };
}

/// The innermost context async-bridge set on this thread.
#[inline]
pub(crate) fn current() -> Context {
    Context::decode(CURRENT.with(Cell::get))
}

/// Restores the previous context when dropped, also on unwind.
#[must_use]
pub(crate) struct Enter {
    prev: u8,
}

/// Makes `ctx` the current context until the returned guard is dropped.
#[inline]
pub(crate) fn enter(ctx: Context) -> Enter {
    let ctx = ctx.encode();
    Enter {
        prev: CURRENT.with(|c| c.replace(ctx)),
    }
}

impl Drop for Enter {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

/// What `block_on` may do on this thread.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Block this thread.
    Run,
    /// Block inside `tokio::task::block_in_place`, so a tokio multi-thread worker hands
    /// its other tasks to another thread first.
    RunInPlace,
    /// Refuse: this thread drives async work that cannot move elsewhere.
    Refuse(Context),
}

/// Checks the table "Where `block_on` may run" against the innermost context.
#[inline]
pub(crate) fn verdict() -> Verdict {
    let ctx = match current() {
        Context::None => crate::rt::foreign_context(),
        ctx => ctx,
    };
    match ctx {
        Context::None | Context::Blocking(_) => Verdict::Run,
        Context::BlockOn(Flavor::TokioMultiThread)
        | Context::Task(Flavor::TokioMultiThread)
        | Context::Foreign(Flavor::TokioMultiThread) => Verdict::RunInPlace,
        refused => Verdict::Refuse(refused),
    }
}

/// Runs `run` (a backend's own `block_on` of `callee`) where the table allows it.
#[inline(always)]
pub(crate) fn try_block_on<R>(callee: Flavor, run: impl FnOnce() -> R) -> Result<R, BlockOnError> {
    match verdict() {
        Verdict::Run => Ok(run()),
        // The worker's other tasks move to another thread: the watchdog does not count the
        // blocked time against the task that called `block_on`.
        Verdict::RunInPlace => Ok(crate::hook::handed_off(|| crate::rt::block_in_place(run))),
        Verdict::Refuse(ctx) => Err(BlockOnError::new(ctx, callee)),
    }
}

#[cfg(test)]
mod tests {
    use super::{Context, Flavor, current, enter};

    fn every_context() -> Vec<Context> {
        let mut all = vec![Context::None];
        for flavor in Flavor::ALL {
            all.extend([
                Context::BlockOn(flavor),
                Context::Task(flavor),
                Context::Blocking(flavor),
                Context::Foreign(flavor),
            ]);
        }
        all
    }

    #[test]
    fn every_context_survives_its_byte() {
        let all = every_context();
        let mut bytes: Vec<u8> = all.iter().map(|ctx| ctx.encode()).collect();
        for (ctx, byte) in all.iter().zip(&bytes) {
            assert_eq!(Context::decode(*byte), *ctx, "byte {byte}");
        }
        bytes.sort_unstable();
        bytes.dedup();
        assert_eq!(bytes.len(), all.len(), "two contexts share a byte");
    }

    #[test]
    fn enter_sets_and_restores_also_on_unwind() {
        assert_eq!(current(), Context::None);
        for ctx in every_context() {
            let outer = enter(ctx);
            assert_eq!(current(), ctx);
            let unwound = std::panic::catch_unwind(|| {
                let _inner = enter(Context::Task(Flavor::Smol));
                assert_eq!(current(), Context::Task(Flavor::Smol));
                panic!("unwinding through an entered context");
            });
            assert!(unwound.is_err());
            assert_eq!(current(), ctx, "the inner guard restored the outer context");
            drop(outer);
            assert_eq!(current(), Context::None);
        }
    }
}
