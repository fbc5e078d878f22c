//! `main` returning a `Result`.

#[async_bridge::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = "7".parse()?;
    async_bridge::sleep(std::time::Duration::from_millis(1)).await;
    assert_eq!(n, 7);
    Ok(())
}
