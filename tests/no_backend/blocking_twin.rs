// A twin of `#[async_bridge::blocking]` in a build without a backend: the error names the
// features to enable.
pub struct Client;

#[async_bridge::blocking]
impl Client {
    pub async fn get(&self) -> u32 {
        1
    }
}

#[async_bridge::blocking]
pub async fn fetch() -> u32 {
    2
}

fn main() {
    let client = ClientBlocking::from(Client);
    let _ = client.get();
    let _ = fetch_blocking();
}
