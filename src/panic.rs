//! Panic capture, the same for every backend: the payload type, a task's stored result
//! ([`Outcome`]: the output, or the payload of its panic), dropping a value whose destructor
//! may panic, and a payload's message.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A panic payload, as `std::panic::catch_unwind` returns it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// A task's result as the backends that do not catch panics themselves store it (those on
/// async-task: smol, async-std): the output, or the payload of its panic.
///
/// Dropping it never unwinds: when a runtime drops the result of a detached task itself, a
/// panicking destructor of the output is caught here (smol and async-std would abort the
/// process).
///
/// The payload is boxed once more, so that an outcome is one word larger than the output
/// (the runtimes store it in every task, and move it on every completion); only a panic
/// pays the allocation.
#[allow(dead_code)] // unused when no such backend is enabled (tokio stores outputs as they are)
pub(crate) struct Outcome<T>(Option<Result<T, Box<Payload>>>);

#[allow(dead_code)]
impl<T> Outcome<T> {
    #[inline]
    pub(crate) fn new(result: Result<T, Payload>) -> Self {
        Outcome(Some(result.map_err(Box::new)))
    }

    #[inline]
    pub(crate) fn into_result(mut self) -> Result<T, Payload> {
        let result = self.0.take();
        // Empty now: nothing for `Drop` to do, so skip it.
        std::mem::forget(self);
        match result {
            Some(result) => result.map_err(|payload| *payload),
            None => unreachable!("async-bridge: a task outcome is taken once"),
        }
    }
}

impl<T> Drop for Outcome<T> {
    #[inline]
    fn drop(&mut self) {
        match self.0.take() {
            // Taken by the awaiter, or nothing that can panic: no `catch_unwind`.
            None => {}
            Some(Ok(_)) if !std::mem::needs_drop::<T>() => {}
            Some(value) => discard(value),
        }
    }
}

/// Drops `value`, catching a panic of its destructor.
pub(crate) fn discard<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        // The payload's own destructor may panic too: leak it rather than unwind.
        std::mem::forget(payload);
    }
}

/// A panic payload's message: the `&str` or `String` that `panic!` makes, else `None`.
pub(crate) fn message(payload: &Payload) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}
