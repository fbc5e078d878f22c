use async_bridge::Runtime;

#[async_bridge::test]
async fn two(rt: impl Runtime, extra: u8) {
    let _ = (rt, extra);
}

fn main() {}
