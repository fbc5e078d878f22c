//! A library with an async API and its blocking twin, in one build.
//!
//! `kv` below is a small key-value client over TCP, written async. One attribute,
//! `#[async_bridge::blocking]`, gives it `KvClientBlocking`: the same methods, sync, for
//! callers without an executor. The twin works from a sync `main` and from inside async
//! code alike (where a hand-written `block_on` facade panics or deadlocks), keeps one
//! runtime for all its calls, and can be dropped anywhere.
//!
//! Run it with `cargo run --example sync_facade --features smol` (or `tokio`, or
//! `async-std`): it starts a server on loopback, then talks to it through the twin.

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
mod kv {
    use std::io;
    use std::net::SocketAddr;
    use std::time::Duration;

    use async_net::TcpStream;
    use futures_lite::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    /// An async client of the line protocol `GET key` / `SET key value` (one reply line).
    pub struct KvClient {
        conn: BufReader<TcpStream>,
    }

    #[async_bridge::blocking]
    impl KvClient {
        /// Connects to the server at `addr`, retrying for a second while it starts.
        pub async fn connect(addr: SocketAddr) -> io::Result<Self> {
            let mut last = None;
            for _ in 0..20 {
                match TcpStream::connect(addr).await {
                    Ok(stream) => {
                        return Ok(KvClient {
                            conn: BufReader::new(stream),
                        });
                    }
                    Err(err) => last = Some(err),
                }
                async_bridge::sleep(Duration::from_millis(50)).await;
            }
            Err(last.expect("at least one attempt"))
        }

        /// The value of `key`, if it has one.
        pub async fn get(&mut self, key: &str) -> io::Result<Option<String>> {
            let reply = self.request(format!("GET {key}\n")).await?;
            Ok(reply.strip_prefix("VALUE ").map(str::to_owned))
        }

        /// Sets `key` to `value`.
        pub async fn set(&mut self, key: &str, value: &str) -> io::Result<()> {
            match self.request(format!("SET {key} {value}\n")).await?.as_str() {
                "OK" => Ok(()),
                other => Err(io::Error::other(format!("unexpected reply {other:?}"))),
            }
        }

        /// Sets `key` to the checksum of `data`, computed off the executor.
        pub async fn set_checksum(&mut self, key: &str, data: Vec<u8>) -> io::Result<u64> {
            let sum = async_bridge::spawn_blocking(move || {
                data.iter()
                    .fold(0u64, |acc, b| acc.rotate_left(5) ^ u64::from(*b))
            })
            .await
            .map_err(io::Error::other)?;
            self.set(key, &sum.to_string()).await?;
            Ok(sum)
        }

        async fn request(&mut self, line: String) -> io::Result<String> {
            self.conn.get_mut().write_all(line.as_bytes()).await?;
            let mut reply = String::new();
            self.conn.read_line(&mut reply).await?;
            Ok(reply.trim_end().to_owned())
        }
    }

    /// The server: one task per connection, on whatever runtime spawns it.
    pub async fn serve(listener: async_net::TcpListener) -> io::Result<()> {
        let store = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
        loop {
            let (stream, _) = listener.accept().await?;
            let store = store.clone();
            async_bridge::spawn(async move {
                let mut conn = BufReader::new(stream);
                let mut line = String::new();
                while conn.read_line(&mut line).await.unwrap_or(0) > 0 {
                    let mut parts = line.trim_end().splitn(3, ' ');
                    let reply = match (parts.next(), parts.next(), parts.next()) {
                        (Some("GET"), Some(key), None) => match store.lock().unwrap().get(key) {
                            Some(value) => format!("VALUE {value}\n"),
                            None => "NONE\n".to_owned(),
                        },
                        (Some("SET"), Some(key), Some(value)) => {
                            store
                                .lock()
                                .unwrap()
                                .insert(key.to_owned(), value.to_owned());
                            "OK\n".to_owned()
                        }
                        _ => "ERR\n".to_owned(),
                    };
                    if conn.get_mut().write_all(reply.as_bytes()).await.is_err() {
                        break;
                    }
                    line.clear();
                }
            })
            .detach();
        }
    }
}

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
fn main() -> std::io::Result<()> {
    use async_bridge::RuntimeThread;
    use kv::KvClientBlocking;

    // The server runs on a RuntimeThread of its own, in the background.
    let server_rt = RuntimeThread::new();
    let listener = server_rt.run(async_net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    server_rt.spawn(kv::serve(listener)).detach();

    // 1. A sync `main`: the twin, no runtime in sight.
    let mut client = KvClientBlocking::connect(addr)?;
    client.set("greeting", "hello")?;
    println!("sync main:   GET greeting -> {:?}", client.get("greeting")?);
    let sum = client.set_checksum("sum", b"async-bridge".to_vec())?;
    println!("sync main:   checksum stored -> {sum}");

    // 2. Inside an async task, where a `block_on` facade would panic (tokio) or block the
    //    executor silently: the twin blocks this thread, like any sync call, and works.
    //    (Async code should call the async client; code that cannot choose still works.)
    let task = async_bridge::spawn(async move {
        client.set("from", "a task")?;
        let value = client.get("from")?;
        drop(client); // dropping the twin inside async code is fine too
        Ok::<_, std::io::Error>(value)
    });
    let value = async_bridge::block_on(task).expect("the task ran")?;
    println!("async task:  GET from -> {value:?}");

    // 3. The async API itself, in the same build.
    let value = async_bridge::block_on(async {
        let mut client = kv::KvClient::connect(addr).await?;
        client.get("greeting").await
    })?;
    println!("async API:   GET greeting -> {value:?}");
    Ok(())
}

#[cfg(not(any(feature = "tokio", feature = "smol", feature = "async-std")))]
fn main() {
    eprintln!("enable a backend: cargo run --example sync_facade --features smol");
}
