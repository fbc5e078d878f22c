//! The primitives of async-bridge's own lock and atomic protocols (the abort flag of
//! [`AbortFlag`](crate::rt::abort_flag::AbortFlag), the state of
//! [`TaskHandle`](crate::rt::async_task::TaskHandle)): std's, or loom's models when built
//! with `--cfg async_bridge_loom`, so that the loom tests explore every interleaving of the
//! real code. RELIABILITY.md has the command.
// Each backend uses a part: the atomic is tokio's, the lock async-task's.
#![allow(unused_imports)]

#[cfg(not(async_bridge_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, Ordering};
#[cfg(not(async_bridge_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

#[cfg(async_bridge_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, Ordering};
#[cfg(async_bridge_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};
