//! Finding blocking code with the watchdog.
//!
//! A small service answers requests in tasks. One handler calls a synchronous "database"
//! (a `std::thread::sleep` standing in for a sync driver) right inside async code: it
//! blocks the executor thread, and every other request queued on that thread waits. No
//! runtime says a word about it. With the watchdog installed, async-bridge does: it prints
//! which task blocked, the file and line where it was spawned, and for how long. The second
//! half runs the same work the right way, in `spawn_blocking`: no report.
//!
//! ```text
//! cargo run --example watchdog --features smol,watchdog
//! ```
//!
//! The reports go to stderr (or to `tracing`, with the feature `tracing`).

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
mod service {
    use std::time::Duration;

    use async_bridge::task::Builder;
    use async_bridge::watchdog::Watchdog;

    /// A synchronous client call: blocks the calling thread for 150 ms.
    fn query_user_sync(id: u32) -> String {
        std::thread::sleep(Duration::from_millis(150));
        format!("user-{id}")
    }

    /// The mistake: the sync call runs on the executor thread.
    async fn handle_request_blocking(id: u32) -> String {
        query_user_sync(id)
    }

    /// The fix: the sync call runs on the blocking pool; the task only awaits.
    async fn handle_request(id: u32) -> String {
        async_bridge::spawn_blocking(move || query_user_sync(id))
            .await
            .expect("the query does not panic")
    }

    pub fn main() {
        // Report every poll that holds its thread for more than 20 ms.
        let _watchdog = Watchdog::new(Duration::from_millis(20)).install();

        println!("1. handling a request with a sync call inside the task:");
        let answer = async_bridge::block_on(
            Builder::new()
                .name("handle-request")
                .spawn(handle_request_blocking(1)),
        )
        .expect("the handler does not panic");
        println!("   answered {answer}; the watchdog's report is above, on stderr");

        println!("2. the same request, with the sync call in spawn_blocking:");
        let answer = async_bridge::block_on(
            Builder::new()
                .name("handle-request-fixed")
                .spawn(handle_request(2)),
        )
        .expect("the handler does not panic");
        println!("   answered {answer}; no report: the executor thread never blocked");
    }
}

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
fn main() {
    service::main();
}

#[cfg(not(any(feature = "tokio", feature = "smol", feature = "async-std")))]
fn main() {
    eprintln!(
        "this example needs a runtime backend: \
         cargo run --example watchdog --features smol,watchdog (or tokio, or async-std)"
    );
    std::process::exit(2);
}
