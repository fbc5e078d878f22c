//! An impl block without an async fn: nothing to twin.
pub struct Counter(u8);

#[async_bridge::blocking]
impl Counter {
    pub fn get(&self) -> u8 {
        self.0
    }
}

fn main() {}
