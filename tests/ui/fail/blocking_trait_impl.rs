//! A trait impl has no twin: its methods' twins would need another trait.
pub trait Load {
    fn load(&self) -> impl Future<Output = u8>;
}

pub struct Disk;

#[async_bridge::blocking]
impl Load for Disk {
    async fn load(&self) -> u8 {
        1
    }
}

fn main() {}
