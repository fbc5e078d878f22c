//! Backends named in the arguments.

#[async_bridge::test(smol, tokio_multi_thread)]
async fn two() {}

#[async_bridge::test(tokio)]
async fn tokio_both_flavours() {}

#[async_bridge::test(async_std, tokio_current_thread)]
async fn other_two() {}

fn main() {}
