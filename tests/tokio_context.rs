//! Feature `tokio-context`: libraries written for tokio work unchanged on every backend.
//! Real clients (reqwest, hyper-util's legacy client, tokio's sockets, files and timers)
//! against servers these tests start on loopback, in `block_on`, spawned tasks (named ones
//! too) and `spawn_blocking` closures, through the project's test matrix (on tokio, the
//! same code runs in tokio's own context: the baseline). The runtime the application sets
//! (`set_runtime`) has its own test binary, `tokio_context_set.rs`, because it is process
//! state.
#![cfg(feature = "tokio-context")]

#[macro_use]
mod common;
#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
mod http;

use std::time::Duration;

/// A future that another executor polls: wrapped by hand.
#[test]
fn tokio_context_wraps_a_future_for_futures_lite_block_on() {
    let addr = futures_lite::future::block_on(async_bridge::tokio_context(async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = tokio::spawn(async move { listener.accept().await.map(|_| ()) });
        tokio::net::TcpStream::connect(addr).await.unwrap();
        accept.await.unwrap().unwrap();
        addr
    }));
    assert!(addr.ip().is_loopback());
}

/// `futures::executor::block_on`, with `Handle::current()` and tokio's `spawn_blocking`.
#[test]
fn tokio_context_wraps_a_future_for_futures_executor() {
    let out = futures::executor::block_on(async_bridge::tokio_context(async {
        let handle = tokio::runtime::Handle::current();
        let blocking = tokio::task::spawn_blocking(|| 6 * 7);
        let spawned = handle.spawn(async { 1 });
        blocking.await.unwrap() + spawned.await.unwrap()
    }));
    assert_eq!(out, 43);
}

/// The wrapper enters the context while dropping the inner future too: a tokio timer that
/// is dropped before it fires deregisters inside the context.
#[test]
fn tokio_context_drops_the_inner_future_inside_the_context() {
    struct NeedsContextOnDrop;
    impl Drop for NeedsContextOnDrop {
        fn drop(&mut self) {
            assert!(
                tokio::runtime::Handle::try_current().is_ok(),
                "dropped outside tokio's context"
            );
        }
    }
    let future = async_bridge::tokio_context(async {
        let _guard = NeedsContextOnDrop;
        std::future::pending::<()>().await
    });
    let mut future = Box::pin(future);
    let waker = std::task::Waker::noop();
    assert!(
        future
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker))
            .is_pending()
    );
    drop(future);
    assert!(
        tokio::runtime::Handle::try_current().is_err(),
        "the context was left"
    );
}

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
mod on_every_backend {
    use std::sync::Arc;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use async_bridge::Runtime;
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use crate::common::variant_of;
    use crate::http;

    /// The three calls of the issue, which panic with "no reactor running" without the
    /// feature on smol and async-std.
    #[async_bridge::test(timeout = "60s")]
    async fn tokio_time_and_net_work_in_block_on_and_tasks(rt: impl Runtime) {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let spawned = rt
            .spawn(async {
                tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .map(|_| ())
            })
            .await
            .unwrap();
        spawned.unwrap();
        let named = async_bridge::task::Builder::new()
            .name("tokio-user")
            .spawn_on(
                async {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    tokio::spawn(async { 7 }).await.unwrap()
                },
                &rt,
            )
            .await
            .unwrap();
        assert_eq!(named, 7);
        drop(listener);
    }

    /// `spawn_blocking` closures run in the context: `Handle::current()` works there.
    #[async_bridge::test(timeout = "60s")]
    async fn a_spawn_blocking_closure_finds_a_tokio_handle(rt: impl Runtime) {
        let out = rt
            .spawn_blocking(|| {
                let handle = tokio::runtime::Handle::current();
                let task = handle.spawn(async {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    5
                });
                futures_lite::future::block_on(task).unwrap()
            })
            .await
            .unwrap();
        assert_eq!(out, 5);
        // And tokio's own blocking pool from a task.
        let out = rt
            .spawn(async { tokio::task::spawn_blocking(|| 6).await.unwrap() })
            .await
            .unwrap();
        assert_eq!(out, 6);
    }

    /// reqwest (`default-features = false`), GET and POST, against a hyper server on
    /// loopback whose connections run on the runtime under test.
    #[async_bridge::test(timeout = "60s")]
    async fn reqwest_get_and_post(rt: impl Runtime) {
        let addr = http::serve(&rt).await;
        let client = reqwest::Client::new();
        let hello = client
            .get(format!("http://{addr}/hello"))
            .send()
            .await
            .unwrap();
        assert_eq!(hello.status(), 200);
        assert_eq!(hello.text().await.unwrap(), "hello");

        // From a spawned task too: the client's pool is shared across tasks.
        let posted = rt
            .spawn(async move {
                let response = client
                    .post(format!("http://{addr}/echo"))
                    .body("ping over reqwest")
                    .send()
                    .await?;
                response.text().await
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(posted, "ping over reqwest");
    }

    /// hyper-util's legacy client: `TokioExecutor` spawns its connection tasks with
    /// `tokio::spawn`, and its `GaiResolver` resolves on tokio's `spawn_blocking`.
    #[async_bridge::test(timeout = "60s")]
    async fn hyper_util_legacy_client_get(rt: impl Runtime) {
        use hyper_util::client::legacy::Client;
        use hyper_util::rt::TokioExecutor;

        let addr = http::serve(&rt).await;
        let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        // `localhost` goes through the resolver (and so through `spawn_blocking`).
        let uri = format!("http://localhost:{}/hello", addr.port())
            .parse()
            .unwrap();
        let response = client.get(uri).await.unwrap();
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"hello");
    }

    /// `tokio::fs` writes and reads a file (on tokio's blocking pool).
    #[async_bridge::test(timeout = "60s")]
    async fn tokio_fs_write_and_read(rt: impl Runtime) {
        let path = std::env::temp_dir().join(format!(
            "async-bridge-tokio-fs-{}-{}",
            std::process::id(),
            variant_of(&rt).name()
        ));
        tokio::fs::write(&path, b"written by tokio::fs")
            .await
            .unwrap();
        let read = rt
            .spawn({
                let path = path.clone();
                async move { tokio::fs::read(&path).await }
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read, b"written by tokio::fs");
        tokio::fs::remove_file(&path).await.unwrap();
    }

    /// `tokio::time::timeout`, both ways.
    #[async_bridge::test(timeout = "60s")]
    async fn tokio_time_timeout_both_ways(rt: impl Runtime) {
        let elapsed =
            tokio::time::timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
        assert!(elapsed.is_err());
        let done = rt
            .spawn(tokio::time::timeout(Duration::from_secs(30), async { 3 }))
            .await
            .unwrap();
        assert_eq!(done.unwrap(), 3);
    }

    /// 2,000 concurrent round trips over tokio sockets, each client and each server
    /// connection its own async-bridge task: every wake-up from tokio's reactor reaches
    /// the executor that polls the task (a lost one hangs this test until its timeout).
    #[async_bridge::test(timeout = "120s")]
    async fn two_thousand_concurrent_tokio_socket_round_trips(rt: impl Runtime) {
        const CLIENTS: usize = 2_000;
        // Every client may connect before the server accepts one: a backlog that holds them
        // all. (tokio's `TcpListener::bind` gives 1,024; past it, a loaded machine resets
        // connections, and this test failed with "connection reset by peer".)
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(4_096).unwrap();
        let addr = listener.local_addr().unwrap();
        let server_rt = rt.clone();
        let server = rt.spawn(async move {
            let mut connections = Vec::with_capacity(CLIENTS);
            for _ in 0..CLIENTS {
                let (mut stream, _) = listener.accept().await.unwrap();
                connections.push(server_rt.spawn(async move {
                    let mut buf = [0u8; 8];
                    stream.read_exact(&mut buf).await.unwrap();
                    stream.write_all(&buf).await.unwrap();
                }));
            }
            for connection in connections {
                connection.await.unwrap();
            }
        });
        let echoed = Arc::new(AtomicUsize::new(0));
        let clients: Vec<_> = (0..CLIENTS as u64)
            .map(|i| {
                let echoed = Arc::clone(&echoed);
                rt.spawn(async move {
                    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    stream.write_all(&i.to_le_bytes()).await.unwrap();
                    let mut buf = [0u8; 8];
                    stream.read_exact(&mut buf).await.unwrap();
                    assert_eq!(u64::from_le_bytes(buf), i);
                    echoed.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        server.await.unwrap();
        assert_eq!(echoed.load(Ordering::Relaxed), CLIENTS);
    }

    /// The tokio context does not make an async-bridge task look like a tokio worker to
    /// the `block_on` policy: `try_block_on` inside a task is refused or allowed exactly as
    /// without the feature (allowed only where the flavour blocks in place).
    #[async_bridge::test(timeout = "60s")]
    async fn the_block_on_policy_is_unchanged(rt: impl Runtime) {
        let variant = variant_of(&rt);
        let nested = rt
            .spawn(async {
                assert!(tokio::runtime::Handle::try_current().is_ok());
                async_bridge::try_block_on(async { 1 }).is_ok()
            })
            .await
            .unwrap();
        assert_eq!(nested, variant.blocks_in_place(), "{}", variant.name());
        // A blocking closure may block, as before.
        let blocking = rt
            .spawn_blocking(|| async_bridge::try_block_on(async { 2 }).unwrap())
            .await
            .unwrap();
        assert_eq!(blocking, 2);
    }

    /// A runtime the user's code enters inside a poll (`Handle::enter`) nests inside the
    /// one async-bridge entered for the poll: tasks go to it while the guard lives, and
    /// back to the context's runtime after.
    #[async_bridge::test(timeout = "60s")]
    async fn user_enter_guards_nest_inside_a_poll(rt: impl Runtime) {
        static OTHER: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        let other = OTHER.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("user-entered")
                .enable_all()
                .build()
                .unwrap()
        });
        let name = || std::thread::current().name().map(str::to_owned);
        let inside = rt
            .spawn(async move {
                let on_other = {
                    let _guard = other.handle().enter();
                    tokio::spawn(async move { name() })
                };
                let on_context = tokio::spawn(async move { name() });
                (on_other.await.unwrap(), on_context.await.unwrap())
            })
            .await
            .unwrap();
        assert_eq!(inside.0.as_deref(), Some("user-entered"));
        assert_ne!(inside.1.as_deref(), Some("user-entered"));
    }

    /// The `tokio` feature's runtime is the context's runtime: no second tokio runtime
    /// (the shared one would have one worker; the free functions' has one per core).
    #[cfg(feature = "tokio")]
    #[async_bridge::test(timeout = "60s")]
    async fn with_the_tokio_feature_the_free_functions_runtime_is_reused(rt: impl Runtime) {
        let workers = rt
            .spawn(async { tokio::runtime::Handle::current().metrics().num_workers() })
            .await
            .unwrap();
        let free = std::thread::spawn(|| {
            async_bridge::block_on(async_bridge::spawn(async {
                tokio::runtime::Handle::current().metrics().num_workers()
            }))
            .unwrap()
        })
        .join()
        .unwrap();
        let variant = variant_of(&rt);
        if variant.backend() != "tokio" {
            assert_eq!(workers, free, "{}", variant.name());
        }
    }

    /// A process that exits while the context's runtime runs (a task of it parked on a
    /// socket, a timer pending) exits cleanly: run in a child process.
    #[test]
    fn a_process_exits_cleanly_with_the_context_runtime_running() {
        if std::env::var_os("ASYNC_BRIDGE_EXIT_CHILD").is_some() {
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let mut child = std::process::Command::new(exe)
            .args([
                "--exact",
                "on_every_backend::exit_child",
                "--ignored",
                "--nocapture",
            ])
            .env("ASYNC_BRIDGE_EXIT_CHILD", "1")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..600 {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "the child exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        panic!("a process with the context's runtime running did not exit within 60 s");
    }

    /// The child of the test above: uses the context on the default backend, leaves work
    /// pending on the tokio runtime, and returns.
    #[test]
    #[ignore = "run by a_process_exits_cleanly_with_the_context_runtime_running"]
    fn exit_child() {
        if std::env::var_os("ASYNC_BRIDGE_EXIT_CHILD").is_none() {
            return;
        }
        async_bridge::block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tokio::spawn(async move { listener.accept().await.map(|_| ()) });
            tokio::spawn(tokio::time::sleep(Duration::from_secs(3600)));
            async_bridge::spawn(tokio::time::sleep(Duration::from_secs(3600))).detach();
        });
    }
}

/// Regressions found in review: the feature must stay additive at the edges.
#[cfg(feature = "smol")]
mod edges {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use async_bridge::{BlockOn, Smol, Spawn};

    struct BlockOnInDrop;

    impl Drop for BlockOnInDrop {
        fn drop(&mut self) {
            // tokio's own thread-local may already be gone here.
            let out = std::panic::catch_unwind(|| Smol::global().block_on(async { 5 }));
            assert_eq!(out.ok(), Some(5), "block_on in a thread-local's destructor");
        }
    }

    thread_local! {
        static BLOCK_ON_IN_DROP: BlockOnInDrop = const { BlockOnInDrop };
    }

    /// `block_on` in a thread-local's destructor works as without the feature (it aborted
    /// the process: tokio's `enter` panicked, then panicked again in the wrapper's drop).
    #[test]
    fn block_on_in_a_thread_local_destructor() {
        std::thread::spawn(|| {
            // Registered before tokio's thread-local, so destroyed after it.
            BLOCK_ON_IN_DROP.with(|_| ());
            Smol::global().block_on(async {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            });
        })
        .join()
        .unwrap();
    }

    /// Ready with 7, then its destructor panics.
    struct PanicsOnDropAfterReady(bool);

    impl Future for PanicsOnDropAfterReady {
        type Output = u32;

        fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
            self.0 = true;
            Poll::Ready(7)
        }
    }

    impl Drop for PanicsOnDropAfterReady {
        fn drop(&mut self) {
            if self.0 && !std::thread::panicking() {
                panic!("destructor panicked after Ready");
            }
        }
    }

    /// A task whose future panics in its destructor after `Ready` keeps its output, as on
    /// every backend without the feature (the context's wrapper dropped the future inside
    /// the poll, which turned the destructor's panic into the task's).
    #[test]
    fn a_destructor_panic_after_ready_keeps_the_output() {
        let rt = Smol::global();
        let out = rt.block_on(rt.spawn(PanicsOnDropAfterReady(false)));
        assert_eq!(out.unwrap(), 7);
    }
}
