//! Which async context the current thread is in — and nothing more.
//!
//! One thread-local, owned by async-bridge, records what the current thread is doing:
//! driving one of our `block_on`s, polling a task we spawned, or running one of our
//! `spawn_blocking` closures, and on which backend's flavour. Every backend sets it; it is
//! the only portable signal (smol has no "current executor" API, tokio cannot tell a worker
//! from a blocking thread). What `block_on` may do about it is `block_on_policy.rs`.

use std::cell::Cell;

macro_rules! flavors {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({
            flavor: $flavor:ident, variant: $variant:ident, describe: $describe:literal,
            blocks_in_place: $in_place:literal, hint: $hint:literal,
            workers: $workers:literal $(,)?
        }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        /// A backend, and for tokio its scheduler flavour: one per flavour of the list
        /// (all of them, enabled or not, so that the encoding never depends on features).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(dead_code)] // the variants of disabled backends
        #[repr(u8)]
        pub(crate) enum Flavor {
            $($( $flavor, )*)*
        }

        impl Flavor {
            /// Every flavour, in the order of their discriminants (0, 1, …).
            pub(crate) const ALL: &'static [Flavor] = &[$($( Flavor::$flavor, )*)*];

            /// How messages name this flavour.
            pub(crate) fn describe(self) -> &'static str {
                match self {
                    $($( Flavor::$flavor => $describe, )*)*
                }
            }

            /// Whether `block_on` on a thread of this flavour may block in place, handing
            /// the thread's other tasks to another thread first.
            #[inline]
            pub(crate) const fn blocks_in_place(self) -> bool {
                match self {
                    $($( Flavor::$flavor => $in_place, )*)*
                }
            }

            /// What a refusal on this flavour adds to the fix.
            pub(crate) fn refusal_hint(self) -> &'static str {
                match self {
                    $($( Flavor::$flavor => $hint, )*)*
                }
            }

            /// The flavour whose discriminant is `bits`, if any (for task rules that name
            /// their flavour by its discriminant; a backend set may have none).
            #[allow(dead_code)]
            #[inline]
            pub(crate) const fn from_bits(bits: u8) -> Option<Flavor> {
                $($(
                    if bits == Flavor::$flavor as u8 {
                        return Some(Flavor::$flavor);
                    }
                )*)*
                None
            }
        }
    };
}
crate::__async_bridge_backends!(flavors);

/// What the current thread is doing, innermost first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ThreadContext {
    /// Nothing async-bridge set up. A runtime the application built may still be here:
    /// `crate::rt::backend::foreign_context` asks.
    None,
    /// Driving an async-bridge `block_on` of this flavour.
    BlockOn(Flavor),
    /// Polling a task async-bridge spawned on this flavour.
    Task(Flavor),
    /// Running a `spawn_blocking` closure of this flavour.
    Blocking(Flavor),
    /// Inside a runtime the application built itself (a `#[tokio::main]` body, a native
    /// tokio task), found by asking the runtime.
    #[allow(dead_code)] // only tokio can tell
    Foreign(Flavor),
}

/// The bits of the encoding that hold a flavour: enough for every flavour of the list.
const FLAVOR_BITS: u32 = u8::BITS - ((Flavor::ALL.len() - 1) as u8).leading_zeros();
const FLAVOR_MASK: u8 = (1 << FLAVOR_BITS) - 1;

/// Every flavour at the index of its discriminant (built from `Flavor::ALL`, so a flavour
/// added to the list is in it); the indices no flavour has, which `encode` never writes,
/// hold the first.
const FLAVOR_BY_BITS: [Flavor; 1 << FLAVOR_BITS] = {
    let mut table = [Flavor::ALL[0]; 1 << FLAVOR_BITS];
    let mut i = 0;
    while i < Flavor::ALL.len() {
        table[i] = Flavor::ALL[i];
        i += 1;
    }
    table
};

// The encoding holds every flavour and every kind of context, whatever the list holds: a
// flavour added to the list widens `FLAVOR_BITS`, and the discriminants are 0, 1, … (so
// `from_bits` reads back every one). Checked when the crate compiles.
const _: () = {
    assert!(
        Flavor::ALL.len() <= 1 << FLAVOR_BITS,
        "every flavour fits in FLAVOR_BITS"
    );
    assert!(
        (ThreadContext::KINDS as u32) << FLAVOR_BITS <= 256,
        "every context fits in one byte"
    );
    let mut i = 0;
    while i < Flavor::ALL.len() {
        assert!(
            Flavor::ALL[i] as usize == i,
            "Flavor::ALL is in the order of the discriminants"
        );
        i += 1;
    }
};

impl ThreadContext {
    /// How many kinds of context there are (`None` and the four with a flavour).
    const KINDS: u8 = 5;

    /// The one byte the thread-local stores: saving and restoring it around every poll is
    /// then one load and one store (the enum itself is two bytes, copied one at a time).
    const fn encode(self) -> u8 {
        let (kind, flavor) = match self {
            ThreadContext::None => return 0,
            ThreadContext::BlockOn(flavor) => (1, flavor),
            ThreadContext::Task(flavor) => (2, flavor),
            ThreadContext::Blocking(flavor) => (3, flavor),
            ThreadContext::Foreign(flavor) => (4, flavor),
        };
        (kind << FLAVOR_BITS) | flavor as u8
    }

    /// The context `encode` made `byte` from. Only `encode` writes the thread-local, so
    /// every byte read back is one of its.
    #[inline]
    const fn decode(byte: u8) -> ThreadContext {
        // A table lookup: as cheap as the two bits of four flavours were, for any number.
        let flavor = FLAVOR_BY_BITS[(byte & FLAVOR_MASK) as usize];
        match byte >> FLAVOR_BITS {
            1 => ThreadContext::BlockOn(flavor),
            2 => ThreadContext::Task(flavor),
            3 => ThreadContext::Blocking(flavor),
            4 => ThreadContext::Foreign(flavor),
            _ => ThreadContext::None,
        }
    }
}

thread_local! {
    static CURRENT: Cell<u8> = const { Cell::new(ThreadContext::None.encode()) };
}

/// The innermost context async-bridge set on this thread.
#[inline]
pub(crate) fn innermost() -> ThreadContext {
    ThreadContext::decode(CURRENT.with(Cell::get))
}

/// The innermost context async-bridge set on this thread, or `None` where it set none
/// (the common case, tested first with one comparison of the stored byte).
#[inline]
pub(crate) fn innermost_set() -> Option<ThreadContext> {
    match CURRENT.with(Cell::get) {
        NONE => None,
        byte => Some(ThreadContext::decode(byte)),
    }
}

/// The byte of `ThreadContext::None`.
const NONE: u8 = ThreadContext::None.encode();

/// Restores the previous context when dropped, also on unwind.
#[must_use]
pub(crate) struct Enter {
    prev: u8,
}

/// Makes `ctx` the current context until the returned guard is dropped.
#[inline]
pub(crate) fn enter(ctx: ThreadContext) -> Enter {
    let ctx = ctx.encode();
    Enter {
        prev: CURRENT.with(|c| c.replace(ctx)),
    }
}

impl Drop for Enter {
    #[inline]
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

#[cfg(test)]
mod tests {
    use super::{Flavor, ThreadContext, enter, innermost};

    fn every_context() -> Vec<ThreadContext> {
        let mut all = vec![ThreadContext::None];
        for &flavor in Flavor::ALL {
            all.extend([
                ThreadContext::BlockOn(flavor),
                ThreadContext::Task(flavor),
                ThreadContext::Blocking(flavor),
                ThreadContext::Foreign(flavor),
            ]);
        }
        all
    }

    #[test]
    fn every_context_survives_its_byte() {
        let all = every_context();
        assert_eq!(all.len(), 1 + 4 * Flavor::ALL.len());
        let mut bytes: Vec<u8> = all.iter().map(|ctx| ctx.encode()).collect();
        for (ctx, byte) in all.iter().zip(&bytes) {
            assert_eq!(ThreadContext::decode(*byte), *ctx, "byte {byte}");
        }
        bytes.sort_unstable();
        bytes.dedup();
        assert_eq!(bytes.len(), all.len(), "two contexts share a byte");
    }

    #[test]
    fn every_flavor_is_listed_once_in_discriminant_order() {
        for (i, &flavor) in Flavor::ALL.iter().enumerate() {
            assert_eq!(flavor as usize, i);
            assert_eq!(Flavor::from_bits(i as u8), Some(flavor));
        }
        assert_eq!(Flavor::from_bits(Flavor::ALL.len() as u8), None);
    }

    #[test]
    fn enter_sets_and_restores_also_on_unwind() {
        assert_eq!(innermost(), ThreadContext::None);
        for ctx in every_context() {
            let outer = enter(ctx);
            assert_eq!(innermost(), ctx);
            let unwound = std::panic::catch_unwind(|| {
                let _inner = enter(ThreadContext::Task(Flavor::ALL[0]));
                assert_eq!(innermost(), ThreadContext::Task(Flavor::ALL[0]));
                panic!("unwinding through an entered context");
            });
            assert!(unwound.is_err());
            assert_eq!(
                innermost(),
                ctx,
                "the inner guard restored the outer context"
            );
            drop(outer);
            assert_eq!(innermost(), ThreadContext::None);
        }
    }
}
