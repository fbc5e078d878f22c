//! Compile tests of `#[async_bridge::test]`, `#[async_bridge::main]` and
//! `#[async_bridge::blocking]`: what must build,
//! and the diagnostics of misuse (`tests/ui/fail/*.stderr`).
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test --all-features --test ui`
//! and review the diff.
#![cfg(all(feature = "tokio", feature = "smol", feature = "async-std"))]

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
