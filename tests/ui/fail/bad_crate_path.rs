#[async_bridge::test(crate = "not a path")]
async fn bad_path() {}

#[async_bridge::test(crate = "no_such_crate")]
async fn unresolved() {}

fn main() {}
