//! What a backend hands back: its join handle behind [`JoinHandle`](crate::JoinHandle) and
//! its timer behind [`Sleep`](crate::Sleep), as enums with one variant per backend of the
//! list (the variants of disabled backends are uninhabited).

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use crate::dyn_runtime::BoxedOutput;
use crate::rt::backend::{Backend, Left, RawJoin};
use crate::task::join_error::JoinError;
use crate::task::meta::TaskMeta;
use crate::task::meta_word::MetaWord;

/// Everything behind a [`JoinHandle`](crate::JoinHandle): the backend's handle (one word
/// where the runtime's own handle is) and the task's meta, which also keeps the handle's
/// cold state once it has some. Two words with smol or tokio alone.
pub(crate) struct RawHandle<T> {
    native: Native<T>,
    word: MetaWord<Cold<T>>,
}

macro_rules! raw_handle {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        /// A backend's join handle, the hot part of a [`RawHandle`].
        pub(crate) enum Native<T> {
            $(
                #[cfg(feature = $feature)]
                $ty(<crate::rt::$module::$ty as Backend>::Handle<T>),
            )*
            /// No native handle: the awaiter has the output, or the handle's cold state
            /// holds the rest (a cancellation in progress, a settled output, a
            /// `RuntimeHandle` task's handle). Takes the native handle's niche: no room.
            Empty,
            #[allow(dead_code)]
            Never(Infallible, PhantomData<fn() -> T>),
        }

        /// A handle's state off its hot path, in its [`MetaWord`].
        pub(crate) enum Cold<T> {
            $(
                #[cfg(feature = $feature)]
                $ty(<crate::rt::$module::$ty as Backend>::Cold<T>),
            )*
            /// A handle from a [`RuntimeHandle`](crate::RuntimeHandle) over a runtime of
            /// one's own, whose output is boxed.
            Dyn(RawHandle<BoxedOutput>),
            #[allow(dead_code)]
            Never(Infallible, PhantomData<fn() -> T>),
        }

        /// How a backend's own handle and timer become the enums' variants.
        pub(crate) trait Wrap: Backend {
            fn wrap_handle<T>(handle: Self::Handle<T>) -> Native<T>;
            fn wrap_sleep(sleep: Self::Sleep) -> RawSleep;
        }

        $(
            #[cfg(feature = $feature)]
            impl Wrap for crate::rt::$module::$ty {
                #[inline(always)]
                fn wrap_handle<T>(handle: Self::Handle<T>) -> Native<T> {
                    Native::$ty(handle)
                }

                #[inline(always)]
                fn wrap_sleep(sleep: Self::Sleep) -> RawSleep {
                    RawSleep::$ty { sleep }
                }
            }
        )*

        impl<T: Send + 'static> RawHandle<T> {
            // With no backend enabled, only the `Dyn` path is left and `cx` only recurses.
            #[allow(clippy::only_used_in_recursion)]
            #[inline(always)]
            pub(crate) fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
                match &mut self.native {
                    $(
                        #[cfg(feature = $feature)]
                        Native::$ty(h) => {
                            let cold = match self.word.cold() {
                                Some(Cold::$ty(cold)) => Some(cold),
                                _ => None,
                            };
                            let polled = h.poll_join(cx, self.word.meta(), cold);
                            if polled.is_ready() && <<crate::rt::$module::$ty as Backend>::Handle<T> as RawJoin<T>>::GOES_ON_READY {
                                // Lets the finished task go (its handle's drop detaches),
                                // without the enum's drop glue.
                                if let Native::$ty(h) = std::mem::replace(&mut self.native, Native::Empty) {
                                    drop(h);
                                }
                            }
                            polled
                        }
                    )*
                    Native::Empty => self.poll_cold(cx),
                    Native::Never(never, _) => match *never {},
                }
            }

            /// After `abort` or `is_finished` reached the task's end, once the output was
            /// taken, or for a `RuntimeHandle` task: out of the hot path.
            #[cold]
            #[inline(never)]
            fn poll_cold(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
                match self.word.cold_mut() {
                    $(
                        #[cfg(feature = $feature)]
                        Some((meta, Cold::$ty(cold))) => {
                            let polled = <<crate::rt::$module::$ty as Backend>::Handle<T> as RawJoin<T>>::poll_cold(cold, cx, meta);
                            if polled.is_ready() {
                                drop(self.word.take_cold());
                            }
                            polled
                        }
                    )*
                    Some((_, Cold::Dyn(h))) => poll_dyn(h, cx),
                    Some((_, Cold::Never(never, _))) => match *never {},
                    None => panic!(
                        "`JoinHandle` polled after it returned `Ready`; await a handle only once"
                    ),
                }
            }

            /// Cancels the task; returns the awaiter's waker when the handle settled at once
            /// (the caller wakes it once `JoinHandle`'s lock is released).
            #[inline]
            pub(crate) fn abort(&mut self) -> Option<Waker> {
                match std::mem::replace(&mut self.native, Native::Empty) {
                    $(
                        #[cfg(feature = $feature)]
                        Native::$ty(h) => self.keep(RawJoin::abort(h), Native::$ty, Cold::$ty),
                    )*
                    Native::Empty => match self.word.cold_mut() {
                        $(
                            #[cfg(feature = $feature)]
                            Some((_, Cold::$ty(cold))) => {
                                <<crate::rt::$module::$ty as Backend>::Handle<T> as RawJoin<T>>::abort_cold(cold)
                            }
                        )*
                        Some((_, Cold::Dyn(h))) => h.abort(),
                        Some((_, Cold::Never(never, _))) => match *never {},
                        // Already awaited: nothing to cancel.
                        None => None,
                    },
                    Native::Never(never, _) => match never {},
                }
            }

            /// Whether the task has finished, and a waker to wake as for `abort`.
            #[inline]
            pub(crate) fn is_finished(&mut self) -> (bool, Option<Waker>) {
                match std::mem::replace(&mut self.native, Native::Empty) {
                    $(
                        #[cfg(feature = $feature)]
                        Native::$ty(h) => {
                            let (left, finished) = RawJoin::check_finished(h);
                            (finished, self.keep(left, Native::$ty, Cold::$ty))
                        }
                    )*
                    Native::Empty => match self.word.cold_mut() {
                        $(
                            #[cfg(feature = $feature)]
                            Some((_, Cold::$ty(cold))) => {
                                <<crate::rt::$module::$ty as Backend>::Handle<T> as RawJoin<T>>::is_finished_cold(cold)
                            }
                        )*
                        Some((_, Cold::Dyn(h))) => h.is_finished(),
                        Some((_, Cold::Never(never, _))) => match *never {},
                        // Awaited.
                        None => (true, None),
                    },
                    Native::Never(never, _) => match never {},
                }
            }
        }

        impl<T> RawHandle<T> {
            /// Which backend runs the task, for `Debug`.
            pub(crate) fn backend(&self) -> &'static str {
                match &self.native {
                    $(
                        #[cfg(feature = $feature)]
                        Native::$ty(_) => $name,
                    )*
                    Native::Empty => match self.word.cold() {
                        $(
                            #[cfg(feature = $feature)]
                            Some(Cold::$ty(_)) => $name,
                        )*
                        Some(Cold::Dyn(h)) => h.backend(),
                        Some(Cold::Never(never, _)) => match *never {},
                        None => "none (awaited)",
                    },
                    Native::Never(never, _) => match *never {},
                }
            }
        }

        /// The timer type of each backend, or [`Never`] for a disabled one
        /// (`pin_project!` cannot cfg an enum's variants).
        #[allow(non_camel_case_types)]
        mod sleep_of {
            $(
                #[cfg(feature = $feature)]
                pub(crate) type $ty = <crate::rt::$module::$ty as super::Backend>::Sleep;
                #[cfg(not(feature = $feature))]
                pub(crate) type $ty = super::Never;
            )*
        }

        pin_project! {
            /// A backend's timer behind [`Sleep`](crate::Sleep).
            #[project = RawSleepProj]
            pub(crate) enum RawSleep {
                $( $ty { #[pin] sleep: sleep_of::$ty }, )*
            }
        }

        impl Future for RawSleep {
            type Output = ();

            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                match self.project() {
                    $( RawSleepProj::$ty { sleep } => sleep.poll(cx).map(drop), )*
                }
            }
        }
    };
}
crate::__async_bridge_backends!(raw_handle);


impl<T> RawHandle<T> {
    #[inline]
    pub(crate) fn new(native: Native<T>, meta: TaskMeta) -> Self {
        RawHandle {
            native,
            word: MetaWord::new(meta),
        }
    }

    /// A `RuntimeHandle` task's handle, whose output is boxed, as a typed one.
    pub(crate) fn typed(boxed: RawHandle<BoxedOutput>) -> Self {
        let mut word = MetaWord::new(boxed.meta().clone());
        word.set_cold(Cold::Dyn(boxed));
        RawHandle {
            native: Native::Empty,
            word,
        }
    }

    #[inline]
    pub(crate) fn meta(&self) -> &TaskMeta {
        self.word.meta()
    }

    /// Records `meta` as the task's (in a `RuntimeHandle` task's boxed handle too, whose
    /// `JoinError`s name it).
    pub(crate) fn set_meta(&mut self, meta: TaskMeta) {
        if let Some((_, Cold::Dyn(h))) = self.word.cold_mut() {
            h.set_meta(meta.clone());
        }
        self.word.set_meta(meta);
    }

    /// Keeps what `abort` or `is_finished` left of the native handle: the handle back in
    /// its variant, the cold state in the word. Returns the waker to wake.
    #[inline]
    fn keep<H, C>(
        &mut self,
        left: Left<H, C>,
        native: impl FnOnce(H) -> Native<T>,
        cold: impl FnOnce(C) -> Cold<T>,
    ) -> Option<Waker> {
        if let Some(h) = left.handle {
            self.native = native(h);
        }
        if let Some(c) = left.cold {
            self.word.set_cold(cold(c));
        }
        left.waker
    }
}

/// The `RuntimeHandle` path, out of line so that it does not weigh on the others.
#[inline(never)]
fn poll_dyn<T: Send + 'static>(
    h: &mut RawHandle<BoxedOutput>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, JoinError>> {
    h.poll_join(cx).map(|res| {
        res.map(|boxed| match boxed.downcast::<T>() {
            Ok(output) => *output,
            Err(_) => {
                unreachable!("async-bridge: a RuntimeHandle task's output has its spawn's type")
            }
        })
    })
}

/// The timer of a backend that is not enabled.
#[allow(dead_code)]
pub(crate) enum Never {}

impl Future for Never {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        match *self.get_mut() {}
    }
}
