//! The plain form: every backend, no parameter.

#[async_bridge::test]
async fn plain() {
    let task = async_bridge::spawn(async { 1 + 1 });
    assert_eq!(task.await.unwrap(), 2);
}

/// Doc comments and lint attributes are kept.
#[async_bridge::test]
#[allow(clippy::bool_assert_comparison)]
async fn with_attributes() {
    assert_eq!(true, true);
}

fn main() {}
