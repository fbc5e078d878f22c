//! The attribute needs an `async fn` or an impl block.
#[async_bridge::blocking]
pub fn not_async() -> u8 {
    1
}

#[async_bridge::blocking]
pub struct NotAFn;

fn main() {}
