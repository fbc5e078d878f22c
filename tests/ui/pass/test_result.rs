//! `Result` return types, with and without a timeout (the error need not be `Send`).
use std::error::Error;

#[async_bridge::test]
async fn ok() -> Result<(), std::num::ParseIntError> {
    let _: u32 = "1".parse()?;
    Ok(())
}

#[async_bridge::test(timeout = "5s")]
async fn boxed() -> Result<(), Box<dyn Error>> {
    let _: u32 = "1".parse()?;
    Ok(())
}

#[async_bridge::test]
async fn unit_spelled_out() -> () {}

fn main() {}
