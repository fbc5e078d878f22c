//! `TaskName`: what [`Builder::name`](crate::task::Builder::name) takes.

use std::borrow::Cow;
use std::sync::Arc;

/// A task's name as [`Builder::name`](crate::task::Builder::name) takes it: whatever
/// string the caller has in hand — `&str`, `String`, `&String`, `Box<str>`, `Arc<str>`,
/// `&Arc<str>`, `Cow<str>` or `&Cow<str>`.
///
/// An `Arc<str>` (or a reference to one) is shared, not copied; every other form is copied
/// into one allocation, which the handle, the task and its error then share.
///
/// The trait is sealed: it names the string types above, and nothing else.
///
/// # Examples
///
/// ```
/// use std::borrow::Cow;
/// use std::sync::Arc;
/// use async_bridge::task::Builder;
///
/// let id = 7;
/// let name = format!("worker-{id}");
/// let _ = Builder::new().name(&name); // &String, as tokio's `Builder::name(&str)` takes it
/// let _ = Builder::new().name(name.as_str());
/// let _ = Builder::new().name(name.clone());
/// let _ = Builder::new().name(Cow::Borrowed("worker"));
/// let shared: Arc<str> = Arc::from("worker");
/// let _ = Builder::new().name(&shared); // shared, not copied
/// ```
pub trait TaskName: sealed::Sealed {
    /// The name, shared.
    #[doc(hidden)]
    fn into_shared(self) -> Arc<str>;
}

mod sealed {
    /// Only the string types `TaskName` lists.
    pub trait Sealed {}
}

macro_rules! task_name {
    ($($(#[$doc:meta])* [$($lt:lifetime),*] $ty:ty => |$name:ident| $shared:expr;)*) => {$(
        impl<$($lt),*> sealed::Sealed for $ty {}

        $(#[$doc])*
        impl<$($lt),*> TaskName for $ty {
            #[inline]
            fn into_shared(self) -> Arc<str> {
                let $name = self;
                $shared
            }
        }
    )*};
}

task_name! {
    ['a] &'a str => |name| Arc::from(name);
    [] String => |name| Arc::from(name);
    ['a] &'a String => |name| Arc::from(name.as_str());
    [] Box<str> => |name| Arc::from(name);
    /// Shared: the name is not copied.
    [] Arc<str> => |name| name;
    /// Shared: the name is not copied.
    ['a] &'a Arc<str> => |name| Arc::clone(name);
    ['a] Cow<'a, str> => |name| Arc::from(name);
    ['a, 'b] &'a Cow<'b, str> => |name| Arc::from(&**name);
}
