//! Receivers other than `self`, `&self` and `&mut self` have no twin.
use std::pin::Pin;

pub struct Job;

#[async_bridge::blocking]
impl Job {
    pub async fn boxed(self: Box<Self>) -> u8 {
        1
    }

    pub async fn pinned(self: Pin<&mut Self>) -> u8 {
        2
    }
}

fn main() {}
