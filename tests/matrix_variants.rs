//! `#[async_bridge::test]` generates exactly the variants of async-bridge's enabled features,
//! runs each body on its variant's runtime, and carries `should_panic` and timeouts over.
//!
//! Runs under every feature set, including none (then no variant exists).

#![cfg_attr(
    not(any(feature = "tokio", feature = "smol", feature = "async-std")),
    allow(dead_code, unused_imports)
)]

use std::collections::BTreeSet;
use std::process::Command;

/// The variants a test with every backend allowed has under the current features: those
/// of the three backends this file knows, pinned by their features, then any other backend
/// of async-bridge's list (a new one needs no edit here).
fn all_variants() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "tokio") {
        v.extend(["tokio_multi_thread", "tokio_current_thread"]);
    }
    if cfg!(feature = "smol") {
        v.push("smol");
    }
    if cfg!(feature = "async-std") {
        v.push("async_std");
    }
    const KNOWN: [&str; 4] = [
        "tokio_multi_thread",
        "tokio_current_thread",
        "smol",
        "async_std",
    ];
    for variant in async_bridge::__macro_support::Variant::ENABLED {
        if !KNOWN.contains(&variant.name()) {
            v.push(variant.name());
        }
    }
    v
}

/// The names of the tests in this binary, from its own `--list`.
fn listed_tests() -> BTreeSet<String> {
    let exe = std::env::current_exe().expect("the path of this test binary");
    let output = Command::new(exe)
        .args(["--list", "--format", "terse"])
        .output()
        .expect("running this test binary with --list");
    assert!(output.status.success(), "--list failed: {output:?}");
    String::from_utf8(output.stdout)
        .expect("--list prints UTF-8")
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

/// The listed tests of the module `probe`.
fn variants_of(listed: &BTreeSet<String>, probe: &str) -> BTreeSet<String> {
    let prefix = format!("{probe}::");
    listed
        .iter()
        .filter_map(|name| name.strip_prefix(&prefix))
        .map(str::to_owned)
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[async_bridge::test]
async fn probe() {}

#[async_bridge::test(smol)]
async fn probe_smol_only() {}

#[async_bridge::test(tokio, async_std)]
async fn probe_tokio_and_async_std() {}

#[async_bridge::test(tokio_current_thread)]
async fn probe_current_thread_only() {}

#[async_bridge::test]
#[ignore = "only listed, never run"]
async fn probe_ignored() {}

#[cfg(feature = "smol")]
#[async_bridge::test]
async fn probe_smol_param(rt: async_bridge::Smol) {
    let _ = rt;
}

#[test]
fn the_variants_follow_the_features() {
    let listed = listed_tests();
    let all = all_variants();
    assert_eq!(variants_of(&listed, "probe"), set(&all), "{listed:#?}");
    assert_eq!(variants_of(&listed, "probe_ignored"), set(&all));

    let only = |keep: &[&str]| -> BTreeSet<String> {
        all.iter()
            .filter(|v| keep.contains(v))
            .map(|v| v.to_string())
            .collect()
    };
    assert_eq!(variants_of(&listed, "probe_smol_only"), only(&["smol"]));
    assert_eq!(
        variants_of(&listed, "probe_tokio_and_async_std"),
        only(&["tokio_multi_thread", "tokio_current_thread", "async_std"])
    );
    assert_eq!(
        variants_of(&listed, "probe_current_thread_only"),
        only(&["tokio_current_thread"])
    );
    if cfg!(feature = "smol") {
        assert_eq!(variants_of(&listed, "probe_smol_param"), set(&["smol"]));
    }
    // The ignored variants are listed as tests too (`--list` does not mark them).
    assert!(
        !listed.iter().any(|name| name == "probe"),
        "the kept fn is no test"
    );
}

/// Bodies that use the runtime, panic, time out or return a `Result`, on every variant.
#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
mod backends {
    use async_bridge::{Runtime, RuntimeHandle, Spawn};
    use std::time::Duration;

    #[async_bridge::test]
    async fn free_functions_run(rt: impl Runtime) {
        let task = async_bridge::spawn(async { 20 });
        let local = rt.spawn(async { 22 });
        async_bridge::sleep(Duration::from_millis(1)).await;
        assert_eq!(task.await.unwrap() + local.await.unwrap(), 42);
    }

    #[async_bridge::test]
    async fn handle_param(rt: RuntimeHandle) {
        assert_eq!(rt.spawn(async { 7 }).await.unwrap(), 7);
    }

    #[async_bridge::test]
    #[should_panic(expected = "boom from the body")]
    async fn should_panic_runs_the_body() {
        async_bridge::yield_now().await;
        panic!("boom from the body");
    }

    #[async_bridge::test(timeout = "5s")]
    #[should_panic(expected = "boom behind a timeout")]
    async fn should_panic_with_timeout() {
        async_bridge::yield_now().await;
        panic!("boom behind a timeout");
    }

    #[async_bridge::test(timeout = "200ms")]
    #[should_panic(expected = "did not finish within 200ms: it is probably stuck")]
    async fn stuck() {
        std::future::pending::<()>().await
    }

    #[async_bridge::test]
    async fn result_ok() -> Result<(), String> {
        async_bridge::yield_now().await;
        Ok(())
    }

    #[async_bridge::test(timeout = "5s")]
    async fn result_ok_with_timeout() -> Result<(), Box<dyn std::error::Error>> {
        let n: u32 = "42".parse()?;
        assert_eq!(n, 42);
        Ok(())
    }

    /// The body is made on the timeout's thread, so it need not be `Send`.
    #[async_bridge::test(timeout = "5s")]
    async fn not_send_body() {
        let rc = std::rc::Rc::new(1);
        async_bridge::yield_now().await;
        assert_eq!(*rc, 1);
    }
}

#[cfg(feature = "tokio")]
mod tokio_flavours {
    use tokio::runtime::{Handle, RuntimeFlavor};

    #[async_bridge::test(tokio_current_thread)]
    async fn current_thread() {
        assert_eq!(
            Handle::current().runtime_flavor(),
            RuntimeFlavor::CurrentThread
        );
        let task = async_bridge::spawn(async { Handle::current().runtime_flavor() });
        assert_eq!(task.await.unwrap(), RuntimeFlavor::CurrentThread);
    }

    #[async_bridge::test(tokio_multi_thread, worker_threads = 3)]
    async fn multi_thread() {
        let handle = Handle::current();
        assert_eq!(handle.runtime_flavor(), RuntimeFlavor::MultiThread);
        assert_eq!(handle.metrics().num_workers(), 3);
    }

    #[async_bridge::test(tokio, timeout = "5s")]
    async fn both_flavours_with_timeout(rt: async_bridge::Tokio) {
        let _ = rt;
        let flavour = Handle::current().runtime_flavor();
        assert!(matches!(
            flavour,
            RuntimeFlavor::CurrentThread | RuntimeFlavor::MultiThread
        ));
    }
}

/// Outside tokio, the smol and async-std variants are in a tokio runtime context only with
/// the feature `tokio-context`.
#[cfg(all(feature = "tokio", any(feature = "smol", feature = "async-std")))]
mod not_tokio {
    #[async_bridge::test(smol, async_std)]
    async fn in_a_tokio_context_only_with_the_feature() {
        assert_eq!(
            tokio::runtime::Handle::try_current().is_ok(),
            cfg!(feature = "tokio-context")
        );
    }
}
