//! Time: [`Sleep`], [`Timeout`] and [`Elapsed`], [`YieldNow`].

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::rt::RawSleep;

pin_project! {
    /// The future of [`sleep`](crate::sleep): completes after its duration, on the timer of
    /// the runtime that made it. It can be polled by any executor.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// use std::time::{Duration, Instant};
    ///
    /// let start = Instant::now();
    /// async_bridge::block_on(async_bridge::sleep(Duration::from_millis(5)));
    /// assert!(start.elapsed() >= Duration::from_millis(5));
    /// # }
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Sleep {
        #[pin]
        inner: RawSleep,
    }
}

impl Sleep {
    pub(crate) fn new(inner: RawSleep) -> Self {
        Sleep { inner }
    }
}

impl Future for Sleep {
    type Output = ();

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").finish_non_exhaustive()
    }
}

pin_project! {
    /// The future of [`timeout`](crate::timeout) and [`Timer::timeout`](crate::Timer::timeout):
    /// `Ok` with the inner future's output if it finishes first, `Err(Elapsed)` when the
    /// timer does. The inner future is polled first, so a ready future always wins.
    ///
    /// `Send` exactly when both futures are.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
    /// use std::time::Duration;
    ///
    /// async_bridge::block_on(async {
    ///     let fast = async_bridge::timeout(Duration::from_secs(5), async { 1 }).await;
    ///     assert_eq!(fast, Ok(1));
    ///     let slow = async_bridge::timeout(Duration::from_millis(1), std::future::pending::<()>());
    ///     assert!(slow.await.is_err());
    /// });
    /// # }
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F, S> {
        #[pin]
        future: F,
        #[pin]
        sleep: S,
    }
}

impl<F, S> Timeout<F, S> {
    /// Races `future` against `sleep`, any future that completes when time is up.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::Timeout;
    ///
    /// let raced = Timeout::new(async { 1 }, std::future::pending::<()>());
    /// assert_eq!(futures_lite::future::block_on(raced), Ok(1));
    /// ```
    pub fn new(future: F, sleep: S) -> Self {
        Timeout { future, sleep }
    }

    /// The inner future.
    ///
    /// # Examples
    ///
    /// ```
    /// use async_bridge::Timeout;
    ///
    /// let raced = Timeout::new(std::future::ready(3), std::future::pending::<()>());
    /// let inner = raced.into_inner();
    /// assert_eq!(futures_lite::future::block_on(inner), 3);
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }

    /// The timer, for a timeout built elsewhere (`RuntimeHandle` of a boxed runtime).
    pub(crate) fn into_sleep(self) -> S {
        self.sleep
    }
}

impl<F: Future, S: Future<Output = ()>> Future for Timeout<F, S> {
    type Output = Result<F::Output, Elapsed>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        this.sleep.poll(cx).map(|()| Err(Elapsed(())))
    }
}

impl<F, S> fmt::Debug for Timeout<F, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout").finish_non_exhaustive()
    }
}

/// The error of a [`Timeout`] whose time ran out before its future finished.
///
/// # Examples
///
/// ```
/// use async_bridge::Timeout;
///
/// let late = Timeout::new(std::future::pending::<()>(), std::future::ready(()));
/// let err = futures_lite::future::block_on(late).unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(err: Elapsed) -> Self {
        io::Error::new(io::ErrorKind::TimedOut, err)
    }
}

/// The future of [`yield_now`]: returns `Pending` once, waking itself, so
/// the executor runs its other tasks first.
///
/// # Examples
///
/// ```
/// futures_lite::future::block_on(async_bridge::yield_now());
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Yields to the executor once: the task goes to the back of the queue, so others run
/// first. Needs no backend; it works on every executor.
///
/// # Examples
///
/// ```
/// # #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))] {
/// async_bridge::block_on(async {
///     for _ in 0..3 {
///         // A long loop that lets others run between steps.
///         async_bridge::yield_now().await;
///     }
/// });
/// # }
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}
