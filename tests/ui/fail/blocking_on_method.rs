//! The attribute goes on the impl block, not on a method.
pub struct Store;

impl Store {
    #[async_bridge::blocking]
    pub async fn get(&self) -> u8 {
        1
    }
}

fn main() {}
