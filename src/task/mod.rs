//! Tasks: [`JoinHandle`] and [`JoinError`], the same on every backend, and [`Builder`] to
//! name a task.

mod builder;
pub(crate) mod join_error;
mod join_handle;
pub(crate) mod meta;
pub(crate) mod meta_word;
mod name;
pub(crate) mod wrapper;

pub use builder::Builder;
pub use join_error::JoinError;
pub use join_handle::JoinHandle;
#[doc(hidden)]
pub use meta::TaskMeta;
pub use name::TaskName;
