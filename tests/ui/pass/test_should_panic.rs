//! `should_panic` and `ignore` go on the variants.

#[async_bridge::test]
#[should_panic(expected = "boom")]
async fn panics() {
    panic!("boom");
}

#[async_bridge::test(timeout = "1s")]
#[should_panic]
#[ignore]
async fn ignored_panic() {
    panic!("boom");
}

fn main() {}
