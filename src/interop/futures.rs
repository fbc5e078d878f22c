//! `futures_task::Spawn` (feature `futures`) for every runtime type and
//! [`RuntimeHandle`], so that `futures::task::SpawnExt` (`spawn`, `spawn_with_handle`) and
//! libraries that take a `Spawn` run their tasks on an async-bridge runtime.

use futures_task::{FutureObj, SpawnError};

use crate::{RuntimeHandle, Spawn};

/// `futures_task::Spawn` for `$ty`, or for every backend of the list.
macro_rules! impl_futures_spawn {
    ([$({
        backend: $ty:ident, module: $module:ident, feature: $feature:literal, name: $name:literal,
        gate: $gate:ident, flavors: [$({ $($flavor:tt)* }),* $(,)?] $(,)?
    }),* $(,)?]) => {
        $(
            #[cfg(feature = $feature)]
            impl_futures_spawn!(@one crate::$ty);
        )*
        impl_futures_spawn!(@one RuntimeHandle);
    };
    (@one $ty:ty) => {
        /// Spawns the task on this runtime, detached, as `futures`' executors do (a
        /// panic of the task is caught and discarded).
        impl futures_task::Spawn for $ty {
            fn spawn_obj(&self, future: FutureObj<'static, ()>) -> Result<(), SpawnError> {
                Spawn::spawn(self, future).detach();
                Ok(())
            }
        }
    };
}
crate::__async_bridge_backends!(impl_futures_spawn);
