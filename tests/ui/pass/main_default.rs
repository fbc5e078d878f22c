//! `main` on the default runtime, and it runs.

#[async_bridge::main]
async fn main() {
    let task = async_bridge::spawn(async { 40 + 2 });
    assert_eq!(task.await.unwrap(), 42);
}
