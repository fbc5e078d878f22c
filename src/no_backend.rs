//! The free functions when no backend feature is enabled: calling one is a compile error
//! that names the features to enable (rather than "cannot find function").

use std::future::Future;
use std::time::Duration;

use crate::{BlockOnError, JoinHandle, Sleep, Timeout};

/// The marker the free functions need a backend for.
#[doc(hidden)]
#[derive(Debug)]
pub struct NoBackend;

/// Implemented by nothing: with no backend enabled, the free functions require it.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "async-bridge has no runtime backend enabled, so its free functions and `RuntimeThread` cannot run",
    label = "this needs a runtime backend",
    note = "enable one of async-bridge's Cargo features `tokio`, `smol` or `async-std` \
            (for example `async-bridge = {{ version = \"0.1\", features = [\"smol\"] }}`), \
            or pass a runtime value to generic code instead"
)]
pub trait BackendEnabled {}

const NEVER: &str = "async-bridge: unreachable without a backend (the bound cannot be met)";

/// Needs a backend feature: see the crate docs.
pub fn block_on<F: Future>(_future: F) -> F::Output
where
    for<'a> &'a NoBackend: BackendEnabled,
{
    unreachable!("{NEVER}")
}

/// Needs a backend feature: see the crate docs.
pub fn try_block_on<F: Future>(_future: F) -> Result<F::Output, BlockOnError>
where
    for<'a> &'a NoBackend: BackendEnabled,
{
    unreachable!("{NEVER}")
}

/// Needs a backend feature: see the crate docs.
pub fn spawn<F>(_future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    for<'a> &'a NoBackend: BackendEnabled,
{
    unreachable!("{NEVER}")
}

/// Needs a backend feature: see the crate docs.
pub fn spawn_blocking<F, R>(_f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
    for<'a> &'a NoBackend: BackendEnabled,
{
    unreachable!("{NEVER}")
}

/// Needs a backend feature: see the crate docs.
pub fn sleep(_duration: Duration) -> Sleep
where
    for<'a> &'a NoBackend: BackendEnabled,
{
    unreachable!("{NEVER}")
}

/// Needs a backend feature: see the crate docs.
pub fn timeout<F: Future>(_duration: Duration, _future: F) -> Timeout<F, Sleep>
where
    for<'a> &'a NoBackend: BackendEnabled,
{
    unreachable!("{NEVER}")
}

/// Needs a backend feature: see the crate docs. (With a backend, a runtime on threads of its
/// own whose `run` works from any thread; here, so that a twin of
/// `#[async_bridge::blocking]` built without a backend says which features to enable.)
#[derive(Clone, Debug)]
pub struct RuntimeThread {
    _private: (),
}

impl RuntimeThread {
    /// Needs a backend feature: see the crate docs.
    #[allow(clippy::new_without_default)] // a `Default` would need no backend
    pub fn new() -> Self
    where
        for<'a> &'a NoBackend: BackendEnabled,
    {
        unreachable!("{NEVER}")
    }

    /// Needs a backend feature: see the crate docs.
    pub fn shared() -> &'static RuntimeThread
    where
        for<'a> &'a NoBackend: BackendEnabled,
    {
        unreachable!("{NEVER}")
    }

    /// Needs a backend feature: see the crate docs.
    pub fn run<F: Future>(&self, _future: F) -> F::Output
    where
        for<'a> &'a NoBackend: BackendEnabled,
    {
        unreachable!("{NEVER}")
    }
}
