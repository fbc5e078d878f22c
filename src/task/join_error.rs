//! `JoinError`: why a task produced no output.

use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use crate::panic::{self, Payload};
use crate::task::TaskMeta;

/// A task failed to produce its output: it panicked, or it was cancelled.
///
/// The same on every backend: [`JoinHandle`](crate::JoinHandle) resolves to
/// `Err(JoinError)` when its task panicked ([`is_panic`](Self::is_panic), with the original
/// payload in [`into_panic`](Self::into_panic)) or was cancelled by
/// [`abort`](crate::JoinHandle::abort) or by the shutdown of the runtime that owned it
/// ([`is_cancelled`](Self::is_cancelled)).
///
/// Without the feature `tokio-context`, a task on smol or async-std that panicked because it
/// called tokio outside tokio's runtime context (*"there is no reactor running, must be
/// called from the context of a Tokio 1.x runtime"*, from `tokio::time`, `tokio::net`,
/// reqwest, ...) says in its `Display` to enable that feature.
///
/// # Examples
///
/// ```
/// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
/// let err = async_bridge::block_on(async_bridge::spawn(async {
///     panic!("boom");
/// }))
/// .unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "task panicked with message \"boom\"");
///
/// // A named task says which one it was.
/// let named = async_bridge::task::Builder::new().name("fetch-config").spawn(async {
///     panic!("no config");
/// });
/// let err = async_bridge::block_on(named).unwrap_err();
/// assert_eq!(err.name(), Some("fetch-config"));
/// assert_eq!(err.to_string(), "task \"fetch-config\" panicked with message \"no config\"");
/// # }
/// ```
pub struct JoinError {
    // Boxed: a `Result<T, JoinError>` is then one word larger than `T`, so the success path
    // of every `JoinHandle` poll moves little. Only a failed task pays the allocation.
    inner: Box<Inner>,
}

struct Inner {
    repr: Repr,
    name: Option<Arc<str>>,
}

enum Repr {
    Cancelled,
    // A `Mutex` makes the payload (only `Send`) shareable, so `JoinError` is `Sync`.
    Panic(Mutex<Payload>),
}

impl JoinError {
    /// The task of `meta` was cancelled.
    #[cold]
    pub(crate) fn cancelled(meta: &TaskMeta) -> Self {
        JoinError::new(Repr::Cancelled, meta)
    }

    /// The task of `meta` panicked with `payload`.
    #[cold]
    pub(crate) fn panic(payload: Payload, meta: &TaskMeta) -> Self {
        JoinError::new(Repr::Panic(Mutex::new(payload)), meta)
    }

    fn new(repr: Repr, meta: &TaskMeta) -> Self {
        JoinError {
            inner: Box::new(Inner {
                repr,
                name: meta.shared_name().cloned(),
            }),
        }
    }

    /// The name of the task, if it was spawned with
    /// [`Builder::name`](crate::task::Builder::name).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// use async_bridge::task::Builder;
    ///
    /// let handle = Builder::new().name("parse").spawn_blocking(|| panic!("bad input"));
    /// let err = async_bridge::block_on(handle).unwrap_err();
    /// assert_eq!(err.name(), Some("parse"));
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// True when the task was cancelled before it finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// async_bridge::block_on(async {
    ///     let handle = async_bridge::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.repr, Repr::Cancelled)
    }

    /// True when the task (or the `spawn_blocking` closure) panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// let handle = async_bridge::spawn_blocking(|| panic!("no"));
    /// assert!(async_bridge::block_on(handle).unwrap_err().is_panic());
    /// # }
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.inner.repr, Repr::Panic(_))
    }

    /// The payload the task panicked with, to inspect it or to resume the panic with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// Panics if the task was cancelled rather than panicking; use
    /// [`try_into_panic`](Self::try_into_panic) when either can happen.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// let err = async_bridge::block_on(async_bridge::spawn(async {
    ///     std::panic::panic_any(42_u32);
    /// }))
    /// .unwrap_err();
    /// assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 42);
    /// # }
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Payload {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(_) => panic!(
                "`JoinError::into_panic` called on a cancelled task's error; check `is_panic()` \
                 first, or use `try_into_panic`"
            ),
        }
    }

    /// The panic payload, or the error itself when the task was cancelled.
    ///
    /// # Errors
    ///
    /// Returns `Err(self)` when the task was cancelled, not panicking.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// async_bridge::block_on(async {
    ///     let handle = async_bridge::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     let err = handle.await.unwrap_err();
    ///     assert!(err.try_into_panic().unwrap_err().is_cancelled());
    /// });
    /// # }
    /// ```
    pub fn try_into_panic(self) -> Result<Payload, JoinError> {
        match self.inner.repr {
            Repr::Panic(payload) => {
                Ok(payload.into_inner().unwrap_or_else(PoisonError::into_inner))
            }
            Repr::Cancelled => Err(self),
        }
    }

    fn with_message<R>(&self, f: impl FnOnce(Option<&str>) -> R) -> R {
        match &self.inner.repr {
            Repr::Panic(payload) => {
                let payload = payload.lock().unwrap_or_else(PoisonError::into_inner);
                f(panic::message(&payload))
            }
            Repr::Cancelled => f(None),
        }
    }
}

/// What `Display` adds to the panic of a task that called tokio outside tokio's context.
const MISSING_TOKIO_CONTEXT: &str = "; the task called a library written for tokio \
    (tokio::time, tokio::net, tokio::spawn, reqwest, hyper-util, ...) outside tokio's runtime \
    context: enable async-bridge's feature `tokio-context`, which runs every future on the smol \
    and async-std backends inside one";

/// Whether `message` is tokio's panic for a call outside its context, which the feature
/// `tokio-context` prevents (never with it on).
fn needs_tokio_context(message: &str) -> bool {
    !cfg!(feature = "tokio-context")
        && message.contains("must be called from the context of a Tokio 1.x runtime")
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task ")?;
        if let Some(name) = &self.inner.name {
            write!(f, "{:?} ", &**name)?;
        }
        match self.inner.repr {
            Repr::Cancelled => f.write_str("was cancelled"),
            Repr::Panic(_) => self.with_message(|message| match message {
                Some(message) => {
                    write!(f, "panicked with message {message:?}")?;
                    if needs_tokio_context(message) {
                        f.write_str(MISSING_TOKIO_CONTEXT)?;
                    }
                    Ok(())
                }
                None => f.write_str("panicked"),
            }),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.inner.name.as_deref();
        match self.inner.repr {
            Repr::Cancelled => match name {
                None => f.write_str("JoinError::Cancelled"),
                Some(name) => f
                    .debug_struct("JoinError::Cancelled")
                    .field("task", &name)
                    .finish(),
            },
            Repr::Panic(_) => self.with_message(|message| {
                let message = message.unwrap_or("<non-string payload>");
                match name {
                    None => f.debug_tuple("JoinError::Panic").field(&message).finish(),
                    Some(name) => f
                        .debug_struct("JoinError::Panic")
                        .field("task", &name)
                        .field("message", &message)
                        .finish(),
                }
            }),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(err: JoinError) -> Self {
        io::Error::other(err.to_string())
    }
}
