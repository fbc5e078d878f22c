//! An impl of a type that is not a named path: no twin name.
pub trait Shape {
    fn area(&self) -> f64;
}

#[async_bridge::blocking]
impl dyn Shape {
    pub async fn measure(&self) -> f64 {
        self.area()
    }
}

fn main() {}
