//! [`StripedMutex`]: a mutex that takes no room in the value it guards. Its lock is one of a
//! process-wide table of locks, chosen by the value's address.
//!
//! It exists for [`JoinHandle`](crate::JoinHandle). `abort(&self)` and `is_finished(&self)`
//! need exclusive access to the backend's handle, whose natives (async-task's `cancel(self)`
//! in particular) take it by value or by `&mut`. A `Mutex` inside every handle costs a word
//! per handle, and so does an `AtomicBool`. Each word of handle costs wall-clock time on a
//! batch of spawns (BENCHMARKS.md, "The size curve"). Awaiting, the hot path, has `&mut`
//! and takes no lock at all.

// An `UnsafeCell` shared between threads under a lock that is not inside it.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;

/// A value whose shared (`&self`) access goes through a lock of the process-wide table
/// `STRIPES`, and whose exclusive (`&mut self`) access takes no lock.
///
/// Sound because every `&self` access to the value happens inside [`lock`](Self::lock)
/// under the stripe of the value's address. That address cannot change while `&self` is
/// borrowed (a move needs the value itself), so every access through `&self` at one time
/// goes through the same stripe. `&mut self` excludes every `&self` by the borrow rules.
/// Two values may share a stripe: then they exclude each other briefly, never longer than
/// one closure passed to `lock`.
///
/// The closure must not call `lock` on another `StripedMutex`: on the same stripe that
/// would deadlock. Debug builds panic there instead. async-bridge's closures only call
/// the runtimes' own non-blocking methods.
pub(crate) struct StripedMutex<X> {
    value: UnsafeCell<X>,
    /// Under loom, a lock of its own, which loom can model (the table is std's).
    #[cfg(async_bridge_loom)]
    lock: crate::sync::Mutex<()>,
}

// SAFETY: `&StripedMutex<X>` reaches the value only inside `lock`, under a lock shared by
// every `&self` access to this value (see the type's docs), as `std::sync::Mutex` does:
// that needs `X: Send` only, since the value is used by one thread at a time.
unsafe impl<X: Send> Sync for StripedMutex<X> {}

/// The number of stripes: a power of two. Concurrent `abort`s and `is_finished`s of
/// unrelated handles collide on one in 64.
#[cfg(not(async_bridge_loom))]
const STRIPES: usize = 64;

/// A lock on a cache line of its own, so that two stripes never share one.
#[cfg(not(async_bridge_loom))]
#[repr(align(128))]
struct Stripe(std::sync::Mutex<()>);

#[cfg(not(async_bridge_loom))]
static TABLE: [Stripe; STRIPES] = [const { Stripe(std::sync::Mutex::new(())) }; STRIPES];

/// The stripe of `addr`: a multiplicative hash, so that handles laid out side by side (a
/// `Vec` of them) spread over every stripe.
#[cfg(not(async_bridge_loom))]
#[inline]
fn stripe(addr: usize) -> &'static std::sync::Mutex<()> {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
    let hash = (addr as u64).wrapping_mul(GOLDEN) >> (64 - STRIPES.trailing_zeros());
    &TABLE[hash as usize].0
}

#[cfg(all(debug_assertions, not(async_bridge_loom)))]
thread_local! {
    /// Whether this thread is inside a `lock`, to catch a nested one in debug builds.
    static LOCKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl<X> StripedMutex<X> {
    #[inline]
    pub(crate) fn new(value: X) -> Self {
        StripedMutex {
            value: UnsafeCell::new(value),
            #[cfg(async_bridge_loom)]
            lock: crate::sync::Mutex::new(()),
        }
    }

    /// The value, without a lock: `&mut self` proves that no `&self` access is running.
    #[inline(always)]
    pub(crate) fn get_mut(&mut self) -> &mut X {
        self.value.get_mut()
    }

    #[inline]
    pub(crate) fn into_inner(self) -> X {
        self.value.into_inner()
    }

    /// Runs `f` with exclusive access to the value, under its stripe's lock.
    ///
    /// # Panics
    ///
    /// In debug builds, when called inside another `lock`'s closure on this thread.
    #[inline]
    pub(crate) fn lock<R>(&self, f: impl FnOnce(&mut X) -> R) -> R {
        #[cfg(all(debug_assertions, not(async_bridge_loom)))]
        let _nested = NestedGuard::enter();
        #[cfg(not(async_bridge_loom))]
        let _guard = stripe(self.value.get().addr())
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        #[cfg(async_bridge_loom)]
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // SAFETY: every `&self` access to the value runs here, under the lock just taken,
        // which every `&self` access to this value takes (its address is fixed while `&self`
        // lives; see the type's docs); `&mut self` access cannot overlap a `&self` borrow.
        // So no other reference to the value exists while `f` runs.
        f(unsafe { &mut *self.value.get() })
    }
}

/// Marks this thread inside a `lock` (debug builds): a nested one panics. (Not under loom,
/// whose threads share the OS thread's thread-locals.)
#[cfg(all(debug_assertions, not(async_bridge_loom)))]
struct NestedGuard;

#[cfg(all(debug_assertions, not(async_bridge_loom)))]
impl NestedGuard {
    fn enter() -> Self {
        let nested = LOCKED.with(|locked| locked.replace(true));
        assert!(
            !nested,
            "async-bridge bug: a JoinHandle's abort or is_finished ran inside another's \
             (the shared lock table would deadlock); please report it"
        );
        NestedGuard
    }
}

#[cfg(all(debug_assertions, not(async_bridge_loom)))]
impl Drop for NestedGuard {
    fn drop(&mut self) {
        LOCKED.with(|locked| locked.set(false));
    }
}

#[cfg(all(test, not(async_bridge_loom)))]
mod tests {
    use super::StripedMutex;
    use std::sync::Arc;

    #[test]
    fn takes_no_room() {
        assert_eq!(size_of::<StripedMutex<u64>>(), size_of::<u64>());
    }

    /// Increments from many threads through `&self`, on values that share stripes: none is
    /// lost.
    #[test]
    fn shared_access_is_exclusive() {
        let values: Arc<Vec<StripedMutex<u64>>> =
            Arc::new((0..200).map(|_| StripedMutex::new(0)).collect());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let values = values.clone();
                std::thread::spawn(move || {
                    for _ in 0..500 {
                        for value in values.iter() {
                            value.lock(|v| *v += 1);
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut values = Arc::try_unwrap(values).unwrap_or_else(|_| unreachable!());
        assert!(values.iter_mut().all(|v| *v.get_mut() == 2_000));
    }

    #[test]
    fn a_panic_inside_leaves_it_usable() {
        let value = StripedMutex::new(1);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            value.lock(|_| panic!("inside"));
        }));
        assert!(caught.is_err());
        assert_eq!(value.lock(|v| *v), 1);
    }

    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "inside another's")]
    fn nested_locks_panic_in_debug_builds() {
        let (a, b) = (StripedMutex::new(()), StripedMutex::new(()));
        a.lock(|_| b.lock(|_| ()));
    }
}
