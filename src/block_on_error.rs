//! `BlockOnError`: why `try_block_on` refused.

use std::fmt;

use crate::context::{Flavor, ThreadContext};

/// The error [`try_block_on`](crate::BlockOn::try_block_on) returns where blocking the
/// current thread would stall or deadlock an executor.
///
/// It says which context refused and what to do instead. [`block_on`](crate::BlockOn::block_on)
/// panics with the same message. See the table "Where `block_on` may run" in the
/// [crate docs](crate#where-block_on-may-run).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "smol")] {
/// use async_bridge::{BlockOn, Smol, Spawn};
///
/// let rt = Smol::default();
/// let refused = rt.block_on(rt.spawn(async {
///     // Inside a task: blocking here would stall the executor's thread.
///     async_bridge::try_block_on(async { 1 })
/// }));
/// let err = refused.unwrap().unwrap_err();
/// assert!(err.to_string().contains("spawn_blocking"));
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BlockOnError {
    context: ThreadContext,
    callee: Flavor,
}

impl BlockOnError {
    pub(crate) fn new(context: ThreadContext, callee: Flavor) -> Self {
        BlockOnError { context, callee }
    }

    /// True when the caller was polling an async task (rather than driving another
    /// `block_on`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "smol")] {
    /// use async_bridge::{BlockOn, Smol};
    ///
    /// let rt = Smol::default();
    /// let err = rt.block_on(async { rt.try_block_on(async {}) }).unwrap_err();
    /// assert!(!err.is_in_task());
    /// # }
    /// ```
    pub fn is_in_task(&self) -> bool {
        matches!(self.context, ThreadContext::Task(_))
    }
}

/// What every `BlockOn::block_on` does with a refusal: panic with the same message, at the
/// caller's location.
#[track_caller]
#[inline]
pub(crate) fn or_panic<T>(result: Result<T, BlockOnError>) -> T {
    match result {
        Ok(output) => output,
        Err(err) => panic!("{err}"),
    }
}

impl fmt::Display for BlockOnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let callee = self.callee.describe();
        match self.context {
            ThreadContext::Task(on) => write!(
                f,
                "`block_on` ({callee}) called from inside an async task running on {}; \
                 this would block an executor thread and can deadlock it",
                on.describe()
            )?,
            ThreadContext::BlockOn(on) => write!(
                f,
                "`block_on` ({callee}) called from inside another `block_on` driven by {}; \
                 the outer future would stop making progress and can deadlock",
                on.describe()
            )?,
            ThreadContext::Foreign(on) => write!(
                f,
                "`block_on` ({callee}) called on the thread that drives a {} runtime \
                 (for example a `#[tokio::main(flavor = \"current_thread\")]` or `#[tokio::test]` \
                 body); this would block the runtime's only thread and deadlock it",
                on.describe()
            )?,
            ThreadContext::None | ThreadContext::Blocking(_) => {
                write!(f, "`block_on` ({callee}) refused on this thread")?
            }
        }
        f.write_str(". Use `.await` instead, or move the blocking section into `spawn_blocking`")?;
        if let ThreadContext::Task(on) | ThreadContext::BlockOn(on) | ThreadContext::Foreign(on) =
            self.context
        {
            f.write_str(on.refusal_hint())?;
        }
        Ok(())
    }
}

impl fmt::Debug for BlockOnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockOnError")
            .field("context", &self.context)
            .field("callee", &self.callee)
            .field("message", &self.to_string())
            .finish()
    }
}

impl std::error::Error for BlockOnError {}
