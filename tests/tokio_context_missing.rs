//! Without the feature `tokio-context`: a task on smol or async-std that calls a library
//! written for tokio panics there (tokio's own panic), and its `JoinError` says to enable
//! the feature. On tokio the same task works (it runs in tokio's context): the baseline.
#![cfg(all(
    not(feature = "tokio-context"),
    any(feature = "tokio", feature = "smol", feature = "async-std")
))]

#[macro_use]
mod common;

use std::time::Duration;

use async_bridge::Runtime;

use crate::common::variant_of;

#[async_bridge::test(timeout = "60s")]
async fn a_task_missing_the_tokio_context_names_the_feature(rt: impl Runtime) {
    let variant = variant_of(&rt);
    let outcome = rt
        .spawn(async { tokio::time::sleep(Duration::from_millis(1)).await })
        .await;
    if variant.backend() == "tokio" {
        outcome.unwrap();
        return;
    }
    let err = outcome.unwrap_err();
    assert!(err.is_panic());
    let message = err.to_string();
    assert!(
        message.contains("must be called from the context of a Tokio 1.x runtime"),
        "{message}"
    );
    assert!(
        message.contains("enable async-bridge's feature `tokio-context`"),
        "{message}"
    );
}

#[async_bridge::test(timeout = "60s")]
async fn other_panics_name_no_feature(rt: impl Runtime) {
    let err = rt.spawn(async { panic!("boom") }).await.unwrap_err();
    assert_eq!(err.to_string(), "task panicked with message \"boom\"");
}
