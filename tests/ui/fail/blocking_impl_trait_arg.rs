//! The twin cannot name an `impl Trait` argument, in a method or a free fn.
pub struct Printer;

#[async_bridge::blocking]
impl Printer {
    pub async fn ok(&self, n: u8) -> u8 {
        n
    }

    pub async fn print(&self, value: impl std::fmt::Display) -> String {
        value.to_string()
    }
}

#[async_bridge::blocking]
pub async fn show(values: Vec<impl std::fmt::Debug>) -> String {
    format!("{values:?}")
}

fn main() {}
