//! `crate = "…"` for a re-export of async-bridge.
extern crate async_bridge as ab;

#[ab::test(crate = "ab")]
async fn relative(rt: impl ab::Runtime) {
    let _ = rt;
}

mod nested {
    use ab::RuntimeHandle;

    #[ab::test(crate = "ab", timeout = "1s")]
    async fn in_a_module(_rt: RuntimeHandle) {}

    #[ab::test(crate = "::async_bridge", smol)]
    async fn absolute() {}
}

#[ab::main(crate = "ab")]
async fn main() {
    ab::yield_now().await;
}
