#[async_bridge::test]
#[test]
async fn twice() {}

fn main() {}
