#[async_bridge::main]
fn main() {}
