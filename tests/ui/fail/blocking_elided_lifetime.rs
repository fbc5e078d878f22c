//! The twin struct needs the type's lifetimes named.
pub struct Parser<'a>(&'a str);

#[async_bridge::blocking]
impl Parser<'_> {
    pub async fn rest(&self) -> &str {
        self.0
    }
}

fn main() {}
