#[async_bridge::test(smol)]
async fn wrong_backend(rt: async_bridge::Tokio) {
    let _ = rt;
}

fn main() {}
