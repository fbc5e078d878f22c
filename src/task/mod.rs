//! Tasks: [`JoinHandle`] and [`JoinError`], the same on every backend.

mod join_error;
mod join_handle;

pub use join_error::JoinError;
pub use join_handle::JoinHandle;
