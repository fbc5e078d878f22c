//! A small HTTP/1 server on loopback for the tests of real clients: hyper over async-net
//! (runtime-independent sockets, smol-hyper's adapter), its connections spawned on the
//! runtime under test. `GET /hello` answers `hello`, `POST /echo` answers its body, any
//! other request 404.

use std::convert::Infallible;
use std::net::SocketAddr;

use async_bridge::Spawn;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use smol_hyper::rt::FuturesIo;

async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match (request.method(), request.uri().path()) {
        (&Method::GET, "/hello") => Response::new(Full::new(Bytes::from_static(b"hello"))),
        (&Method::POST, "/echo") => {
            let body = request.into_body().collect().await.map(|b| b.to_bytes());
            Response::new(Full::new(body.unwrap_or_default()))
        }
        _ => {
            let mut response = Response::new(Full::new(Bytes::from_static(b"not found")));
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    };
    Ok(response)
}

/// Starts the server on `rt` (its accept loop and each connection are tasks there, detached)
/// and returns its address.
pub async fn serve<R: Spawn + Clone + Send + Sync + 'static>(rt: &R) -> SocketAddr {
    let listener = async_net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("the listener's address");
    let spawner = rt.clone();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            spawner
                .spawn(async move {
                    let service = hyper::service::service_fn(handle);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(FuturesIo::new(stream), service)
                        .await;
                })
                .detach();
        }
    })
    .detach();
    addr
}
