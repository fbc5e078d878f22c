//! Arguments the attribute does not understand.
pub struct A;
pub struct B;
pub struct C;
pub struct D;

#[async_bridge::blocking(sync)]
impl A {
    pub async fn a(&self) {}
}

#[async_bridge::blocking(vis = "pub", vis = "pub(crate)")]
impl B {
    pub async fn b(&self) {}
}

#[async_bridge::blocking(vis = "public")]
impl C {
    pub async fn c(&self) {}
}

#[async_bridge::blocking(crate)]
impl D {
    pub async fn d(&self) {}
}

fn main() {}
