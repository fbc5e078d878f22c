//! Features `hyper` and `futures`: hyper 1.x's `rt::Executor` and `rt::Timer`, and
//! `futures_task::Spawn`, on every runtime type and on `RuntimeHandle`, tested by using
//! them:
//! - an HTTP/2 server and client whose connection and stream tasks are spawned through the
//!   `Executor` impl (an executor that did not run them would hang the request), with the
//!   `Timer` impl driving HTTP/2 keep-alive;
//! - an HTTP/1 server whose header-read timeout runs on the `Timer` impl: a client that
//!   sends nothing is disconnected;
//! - `futures::task::SpawnExt`.
#![cfg(all(
    feature = "hyper",
    feature = "futures",
    any(feature = "tokio", feature = "smol", feature = "async-std")
))]

#[macro_use]
mod common;

use std::convert::Infallible;

use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

async fn answer(
    request: Request<Incoming>,
) -> Result<Response<http_body_util::Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    Ok(Response::new(http_body_util::Full::new(Bytes::from(
        format!("h2 {path}"),
    ))))
}

/// An HTTP/2 round trip whose server and client spawn their tasks on `$exec` and run their
/// timers on it. (A macro: hyper's executor bounds name its private stream types, so the
/// runtime's type must be concrete where they are checked.)
macro_rules! http2_round_trip {
    ($rt:expr, $exec:expr) => {{
        use async_bridge::Spawn;
        use http_body_util::{BodyExt, Full};
        use smol_hyper::rt::FuturesIo;
        use std::time::Duration;

        let exec = $exec;
        let listener = async_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server_exec = exec.clone();
        let server = $rt.spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            hyper::server::conn::http2::Builder::new(server_exec.clone())
                .timer(server_exec)
                .keep_alive_interval(Duration::from_secs(30))
                .serve_connection(FuturesIo::new(stream), hyper::service::service_fn(answer))
                .await
        });
        let stream = async_net::TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http2::Builder::new(exec.clone())
            .timer(exec.clone())
            .keep_alive_interval(Duration::from_secs(30))
            .handshake::<_, Full<Bytes>>(FuturesIo::new(stream))
            .await
            .unwrap();
        hyper::rt::Executor::execute(&exec, async move {
            let _ = connection.await;
        });
        let request = Request::builder()
            .uri(format!("http://{addr}/stream"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        drop(sender);
        server.await.unwrap().unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }};
}

/// An HTTP/1 server with a header-read timeout on `$timer`: a client that connects and
/// sends nothing is disconnected (its read returns end of stream) once it expires.
macro_rules! http1_header_timeout_disconnects {
    ($rt:expr, $timer:expr) => {{
        use async_bridge::Spawn;
        use futures_lite::AsyncReadExt;
        use smol_hyper::rt::FuturesIo;
        use std::time::Duration;

        let timer = $timer;
        let listener = async_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = $rt.spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            hyper::server::conn::http1::Builder::new()
                .timer(timer)
                .header_read_timeout(Duration::from_millis(50))
                .serve_connection(FuturesIo::new(stream), hyper::service::service_fn(answer))
                .await
        });
        let mut client = async_net::TcpStream::connect(addr).await.unwrap();
        let mut buf = Vec::new();
        // Ends when the server closes the connection: only its timer can make it.
        client.read_to_end(&mut buf).await.unwrap();
        let served = server.await.unwrap();
        assert!(
            served.is_err(),
            "the connection ended by the header timeout"
        );
    }};
}

/// `futures::task::SpawnExt` on `$spawner`.
macro_rules! futures_spawn_ext {
    ($spawner:expr) => {{
        use futures::task::SpawnExt;

        let spawner = $spawner;
        let handle = spawner.spawn_with_handle(async { 6 * 7 }).unwrap();
        assert_eq!(handle.await, 42);
        let (tx, rx) = futures::channel::oneshot::channel();
        spawner
            .spawn(async move {
                let _ = tx.send("detached ran");
            })
            .unwrap();
        assert_eq!(rx.await.unwrap(), "detached ran");
    }};
}

/// All three, on the runtime `$rt` and on a `RuntimeHandle` of it.
macro_rules! interop_on {
    ($rt:expr) => {{
        let rt = $rt;
        assert_eq!(http2_round_trip!(rt, rt.clone()), "h2 /stream");
        assert_eq!(
            http2_round_trip!(rt, async_bridge::RuntimeHandle::new(rt.clone())),
            "h2 /stream"
        );
        http1_header_timeout_disconnects!(rt, rt.clone());
        http1_header_timeout_disconnects!(rt, async_bridge::RuntimeHandle::new(rt.clone()));
        futures_spawn_ext!(rt.clone());
        futures_spawn_ext!(async_bridge::RuntimeHandle::new(rt.clone()));
    }};
}

#[cfg(feature = "tokio")]
#[async_bridge::test(tokio_multi_thread, tokio_current_thread, timeout = "60s")]
async fn hyper_and_futures_on_tokio(rt: async_bridge::Tokio) {
    interop_on!(rt);
}

#[cfg(feature = "smol")]
#[async_bridge::test(smol, timeout = "60s")]
async fn hyper_and_futures_on_smol(rt: async_bridge::Smol) {
    interop_on!(rt);
}

#[cfg(feature = "async-std")]
#[async_bridge::test(async_std, timeout = "60s")]
async fn hyper_and_futures_on_async_std(rt: async_bridge::AsyncStd) {
    interop_on!(rt);
}
