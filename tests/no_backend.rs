//! With no backend feature, calling a free function (or a twin of
//! `#[async_bridge::blocking]`) is a compile error that names the features to enable (not
//! "cannot find function"), while generic code still builds.
#![cfg(not(any(feature = "tokio", feature = "smol", feature = "async-std")))]

#[test]
fn free_functions_need_a_backend() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/no_backend/free_functions.rs");
    t.compile_fail("tests/no_backend/blocking_twin.rs");
    t.pass("tests/no_backend/generic_code.rs");
}
