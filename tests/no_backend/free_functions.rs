use std::time::Duration;

fn main() {
    let _ = async_bridge::block_on(async { 1 });
    let _ = async_bridge::spawn(async { 1 });
    let _ = async_bridge::sleep(Duration::from_millis(1));
}
