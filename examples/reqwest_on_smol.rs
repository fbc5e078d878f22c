//! reqwest, a client written for tokio, in a sync program that uses only the smol backend.
//!
//! ```sh
//! cargo run --example reqwest_on_smol --features smol,tokio-context
//! ```
//!
//! Without the feature `tokio-context`, the first request panics with *"there is no reactor
//! running, must be called from the context of a Tokio 1.x runtime"*: reqwest's connector
//! uses `tokio::net` and its resolver tokio's `spawn_blocking`. With it, every future that
//! async-bridge polls on smol runs inside a tokio runtime context, here async-bridge's
//! shared one (one worker thread, `async-bridge-tokio`), so reqwest works unchanged.
//!
//! The example serves its own HTTP on loopback (hyper over async-net, on smol), so it needs
//! no network.

use std::convert::Infallible;
use std::net::SocketAddr;

use async_bridge::{Smol, Spawn};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use smol_hyper::rt::FuturesIo;

fn main() -> Result<(), reqwest::Error> {
    // A sync program: no async main, no tokio runtime of its own.
    let addr = async_bridge::block_on(serve());
    let client = reqwest::Client::new();

    // One request from sync code.
    let greeting = async_bridge::block_on(async {
        client
            .get(format!("http://{addr}/greeting"))
            .send()
            .await?
            .text()
            .await
    })?;
    println!("GET  /greeting -> {greeting}");

    // Ten at once, each in a smol task (the client's connection pool is shared).
    let replies = async_bridge::block_on(async {
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let client = client.clone();
                async_bridge::spawn(async move {
                    let reply = client
                        .post(format!("http://{addr}/echo"))
                        .body(format!("request {i}"))
                        .send()
                        .await?;
                    reply.error_for_status()?.text().await
                })
            })
            .collect();
        let mut replies = Vec::new();
        for task in tasks {
            replies.push(task.await.expect("the request task panicked")?);
        }
        Ok::<_, reqwest::Error>(replies)
    })?;
    println!(
        "POST /echo x10 -> {} replies, the last: {:?}",
        replies.len(),
        replies[9]
    );

    // A 404 is an error the caller sees, not a panic.
    let missing = async_bridge::block_on(async {
        client
            .get(format!("http://{addr}/missing"))
            .send()
            .await?
            .error_for_status()
    });
    println!("GET  /missing  -> {}", missing.unwrap_err());
    Ok(())
}

/// A small HTTP server on smol (hyper over async-net), on a loopback port.
async fn serve() -> SocketAddr {
    let listener = async_net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("the server's address");
    Smol::global()
        .spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                Smol::global()
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

async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(match (request.method(), request.uri().path()) {
        (&Method::GET, "/greeting") => Response::new(Full::from("hello from smol")),
        (&Method::POST, "/echo") => {
            let body = request.into_body().collect().await.map(|b| b.to_bytes());
            Response::new(Full::new(body.unwrap_or_default()))
        }
        _ => {
            let mut response = Response::new(Full::from("not found"));
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    })
}
