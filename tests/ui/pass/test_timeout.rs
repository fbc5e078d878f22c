//! `timeout` in every unit, with a `!Send` body.

#[async_bridge::test(timeout = "200ms")]
async fn millis() {}

#[async_bridge::test(timeout = "5s")]
async fn seconds() {
    let not_send = std::rc::Rc::new(1);
    async_bridge::yield_now().await;
    assert_eq!(*not_send, 1);
}

#[async_bridge::test(smol, timeout = "2m")]
async fn minutes() {}

fn main() {}
