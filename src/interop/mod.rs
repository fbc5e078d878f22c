//! Other crates' runtime traits, implemented for every runtime type of the list and for
//! [`RuntimeHandle`](crate::RuntimeHandle), each behind its feature: hyper 1.x's
//! `rt::Executor` and `rt::Timer` (`hyper`), `futures_task::Spawn` (`futures`).

#[cfg(feature = "futures")]
mod futures;
#[cfg(feature = "hyper")]
mod hyper;
