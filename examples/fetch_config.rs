//! A synchronous CLI `main` that fetches its configuration over HTTP with an async client.
//!
//! This is the classic reason to bridge sync and async code: the program is an ordinary
//! sync `fn main()`, but the HTTP client it wants is async. `async_bridge::block_on` drives
//! the fetch to completion on the default backend, `async_bridge::timeout` bounds it, and
//! `async_bridge::spawn` runs the background work (hyper's connection tasks) — with the same
//! code on tokio, smol and async-std.
//!
//! So that it runs offline, the example first starts its own tiny HTTP server on
//! `127.0.0.1`, port 0 (the OS picks a free port), which serves a few `key = value` lines
//! at `/config`. `main` then fetches `http://127.0.0.1:<port>/config`, parses the text into
//! a [`Config`] by hand (no serde needed) and prints it. Any error is reported with a clear
//! message and a non-zero exit status.
//!
//! # Running it
//!
//! Pick a backend with a feature; with several, the free functions use tokio, then smol,
//! then async-std:
//!
//! ```text
//! cargo run --example fetch_config --features tokio
//! cargo run --example fetch_config --features smol
//! cargo run --example fetch_config --features async-std
//! cargo run --example fetch_config --all-features
//! ```
//!
//! Without a backend feature the example still builds, and says how to run it. An optional
//! argument fetches another URL instead (`-- http://127.0.0.1:1/config` shows an error).
//! The parser's unit tests run with `cargo test --all-features --example fetch_config`.
//!
//! # Why this HTTP stack
//!
//! - [hyper] 1 does the HTTP, client and server: a maintained implementation, no
//!   hand-written HTTP here. hyper 1 owns no runtime: its connections are futures that
//!   someone must spawn, and here that someone is `async_bridge::spawn`, so the same code
//!   runs on every backend.
//! - [async-net] provides the TCP sockets. Its reactor (async-io) runs on its own thread, so
//!   its sockets work under every executor — tokio's included.
//! - [smol-hyper]'s `FuturesIo` adapts async-net's `futures-io` sockets to hyper's
//!   `rt::Read` / `rt::Write` (with default features off, it pulls in no executor).
//!
//! [hyper]: https://docs.rs/hyper
//! [async-net]: https://docs.rs/async-net
//! [smol-hyper]: https://docs.rs/smol-hyper

use std::collections::HashSet;
use std::fmt;

/// The configuration the CLI fetches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The service's name.
    pub name: String,
    /// The port the service listens on.
    pub port: u16,
    /// One of `error`, `warn`, `info`, `debug`, `trace`.
    pub log_level: String,
    /// Number of worker threads, at least 1.
    pub workers: usize,
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  name      = {}", self.name)?;
        writeln!(f, "  port      = {}", self.port)?;
        writeln!(f, "  log_level = {}", self.log_level)?;
        write!(f, "  workers   = {}", self.workers)
    }
}

/// The keys a config must have, in the order the errors list them.
const KEYS: [&str; 4] = ["name", "port", "log_level", "workers"];
const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// Why a config text was rejected. Line numbers start at 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A line that is neither blank, a `#` comment, nor `key = value`.
    Syntax {
        /// The offending line's number.
        line: usize,
        /// The offending line's text.
        text: String,
    },
    /// A key the config does not know.
    UnknownKey {
        /// The offending line's number.
        line: usize,
        /// The unknown key.
        key: String,
    },
    /// A key given twice.
    DuplicateKey {
        /// The line of the second occurrence.
        line: usize,
        /// The repeated key.
        key: String,
    },
    /// A value that does not fit its key.
    BadValue {
        /// The offending line's number.
        line: usize,
        /// The key whose value is wrong.
        key: &'static str,
        /// The value as given.
        value: String,
        /// What the key accepts.
        expected: &'static str,
    },
    /// A required key that is absent.
    MissingKey(&'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Syntax { line, text } => {
                write!(f, "line {line}: expected `key = value`, found `{text}`")
            }
            ParseError::UnknownKey { line, key } => write!(
                f,
                "line {line}: unknown key `{key}` (known keys: {})",
                KEYS.join(", ")
            ),
            ParseError::DuplicateKey { line, key } => {
                write!(f, "line {line}: key `{key}` is given more than once")
            }
            ParseError::BadValue {
                line,
                key,
                value,
                expected,
            } => write!(
                f,
                "line {line}: invalid value `{value}` for `{key}`: expected {expected}"
            ),
            ParseError::MissingKey(key) => write!(f, "missing required key `{key}`"),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses `key = value` lines; blank lines and `#` comments are skipped, values may be
/// wrapped in double quotes.
pub fn parse_config(text: &str) -> Result<Config, ParseError> {
    let mut name = None;
    let mut port = None;
    let mut log_level = None;
    let mut workers = None;
    let mut seen = HashSet::new();

    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err(ParseError::Syntax {
                line,
                text: trimmed.to_owned(),
            });
        };
        let key = key.trim();
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        if key.is_empty() {
            return Err(ParseError::Syntax {
                line,
                text: trimmed.to_owned(),
            });
        }
        let Some(&key) = KEYS.iter().find(|&&k| k == key) else {
            return Err(ParseError::UnknownKey {
                line,
                key: key.to_owned(),
            });
        };
        if !seen.insert(key) {
            return Err(ParseError::DuplicateKey {
                line,
                key: key.to_owned(),
            });
        }
        let bad = |expected| ParseError::BadValue {
            line,
            key,
            value: value.to_owned(),
            expected,
        };
        match key {
            "name" if value.is_empty() => return Err(bad("a non-empty name")),
            "name" => name = Some(value.to_owned()),
            "port" => match value.parse::<u16>() {
                Ok(p) if p != 0 => port = Some(p),
                _ => return Err(bad("a port number from 1 to 65535")),
            },
            "log_level" if LOG_LEVELS.contains(&value) => log_level = Some(value.to_owned()),
            "log_level" => return Err(bad("one of error, warn, info, debug, trace")),
            "workers" => match value.parse::<usize>() {
                Ok(w) if w >= 1 => workers = Some(w),
                _ => return Err(bad("a whole number of at least 1")),
            },
            _ => unreachable!("every key in KEYS has an arm"),
        }
    }

    Ok(Config {
        name: name.ok_or(ParseError::MissingKey("name"))?,
        port: port.ok_or(ParseError::MissingKey("port"))?,
        log_level: log_level.ok_or(ParseError::MissingKey("log_level"))?,
        workers: workers.ok_or(ParseError::MissingKey("workers"))?,
    })
}

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
mod app {
    use std::convert::Infallible;
    use std::error::Error as StdError;
    use std::fmt;
    use std::net::SocketAddr;
    use std::time::Duration;

    use async_net::{TcpListener, TcpStream};
    use http_body_util::{BodyExt, Empty, Full};
    use hyper::body::{Bytes, Incoming};
    use hyper::{Request, Response, StatusCode, Uri, header};
    use smol_hyper::rt::FuturesIo;

    use super::{Config, parse_config};

    /// How long the whole fetch (connect, request, body) may take.
    const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

    /// What the example's server serves at `/config`.
    pub(super) const CONFIG_TEXT: &str = "\
# served by the fetch_config example's own server
name      = \"inventory-service\"
port      = 8080
log_level = info
workers   = 4
";

    /// The backend the free functions use: the default order is tokio, then smol, then
    /// async-std.
    const BACKEND: &str = if cfg!(feature = "tokio") {
        "tokio"
    } else if cfg!(feature = "smol") {
        "smol"
    } else {
        "async-std"
    };

    type BoxError = Box<dyn StdError + Send + Sync>;

    /// An error with what was being done. Its `Debug` is its readable message, because that
    /// is what a `main` returning `Err` prints.
    struct Failure {
        what: String,
        cause: Option<BoxError>,
    }

    impl Failure {
        fn new(what: impl Into<String>) -> Self {
            Failure {
                what: what.into(),
                cause: None,
            }
        }

        fn caused_by(what: impl Into<String>, cause: impl Into<BoxError>) -> Self {
            Failure {
                what: what.into(),
                cause: Some(cause.into()),
            }
        }
    }

    impl fmt::Display for Failure {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.what)?;
            // Print the whole chain: hyper's errors keep the interesting part in `source`.
            let mut cause = self
                .cause
                .as_deref()
                .map(|c| c as &(dyn StdError + 'static));
            while let Some(c) = cause {
                write!(f, ": {c}")?;
                cause = c.source();
            }
            Ok(())
        }
    }

    impl fmt::Debug for Failure {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(self, f)
        }
    }

    impl StdError for Failure {}

    pub fn main() -> Result<(), Box<dyn StdError>> {
        println!("async-bridge backend: {BACKEND}");

        // The server: bind (a short async step, driven from sync code), then run the accept
        // loop as a background task on the default runtime.
        let listener = async_bridge::block_on(TcpListener::bind(("127.0.0.1", 0)))
            .map_err(|e| Failure::caused_by("cannot start the config server", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::caused_by("cannot read the config server's address", e))?;
        async_bridge::spawn(serve(listener)).detach();

        // The URL to fetch: the built-in server's, unless one is given on the command line.
        let url = std::env::args()
            .nth(1)
            .unwrap_or_else(|| format!("http://{addr}/config"));
        println!("fetching {url}");

        // The sync-to-async bridge: a plain `main` gets the async client's result.
        let text = async_bridge::block_on(async {
            match async_bridge::timeout(FETCH_TIMEOUT, fetch_config(&url)).await {
                Ok(fetched) => fetched,
                Err(_elapsed) => Err(Failure::new(format!(
                    "timed out after {}s fetching the config from {url}",
                    FETCH_TIMEOUT.as_secs()
                ))),
            }
        })?;

        let config: Config = parse_config(&text)
            .map_err(|e| Failure::caused_by(format!("invalid config from {url}"), e))?;
        println!("config:\n{config}");
        Ok(())
    }

    /// Fetches `url` with hyper's HTTP/1 client and returns the body as text.
    async fn fetch_config(url: &str) -> Result<String, Failure> {
        let uri: Uri = url
            .parse()
            .map_err(|e| Failure::caused_by(format!("invalid URL `{url}`"), e))?;
        let (Some(authority), Some("http")) = (uri.authority(), uri.scheme_str()) else {
            return Err(Failure::new(format!(
                "invalid URL `{url}`: expected http://host:port/path"
            )));
        };
        let host = authority.host();
        let port = authority.port_u16().unwrap_or(80);

        let stream = TcpStream::connect((host, port))
            .await
            .map_err(|e| Failure::caused_by(format!("cannot connect to {authority}"), e))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(FuturesIo::new(stream))
                .await
                .map_err(|e| Failure::caused_by("HTTP handshake failed", e))?;
        // hyper drives the connection in a separate future, which someone must spawn.
        let connection = async_bridge::spawn(connection);

        let request = Request::get(uri.path())
            .header(header::HOST, authority.as_str())
            .body(Empty::new())
            .map_err(|e| Failure::caused_by("cannot build the request", e))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| Failure::caused_by(format!("request to {url} failed"), e))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::caused_by(format!("reading the body from {url} failed"), e))?
            .to_bytes();
        if !status.is_success() {
            return Err(Failure::new(format!(
                "{url} answered {status}: {}",
                String::from_utf8_lossy(&body).trim()
            )));
        }

        // Close the connection: with its sender gone, hyper's connection future finishes.
        drop(sender);
        match connection.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Failure::caused_by("HTTP connection failed", e)),
            Err(e) => return Err(Failure::caused_by("HTTP connection task failed", e)),
        }

        String::from_utf8(body.to_vec())
            .map_err(|e| Failure::caused_by(format!("the config from {url} is not UTF-8"), e))
    }

    /// The example's config server: accepts connections forever, one task per connection.
    async fn serve(listener: TcpListener) {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    eprintln!("config server: accept failed: {e}");
                    continue;
                }
            };
            async_bridge::spawn(serve_connection(stream, peer)).detach();
        }
    }

    async fn serve_connection(stream: TcpStream, peer: SocketAddr) {
        let service = hyper::service::service_fn(handle);
        if let Err(e) = hyper::server::conn::http1::Builder::new()
            .serve_connection(FuturesIo::new(stream), service)
            .await
        {
            eprintln!("config server: connection from {peer} failed: {e}");
        }
    }

    async fn handle(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let (status, body) = match request.uri().path() {
            "/config" => (StatusCode::OK, CONFIG_TEXT),
            _ => (StatusCode::NOT_FOUND, "not found; try /config\n"),
        };
        let response = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("a static response is valid");
        Ok(response)
    }
}

#[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    app::main()
}

#[cfg(not(any(feature = "tokio", feature = "smol", feature = "async-std")))]
fn main() {
    eprintln!(
        "fetch_config needs an async-bridge backend. Run it with one, for instance:\n\
         \n    cargo run --example fetch_config --features smol\n\
         \n(or --features tokio, --features async-std, --all-features)"
    );
    std::process::exit(2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_good_config() {
        let text = "\
# a comment, then a blank line

name = \"inventory-service\"
port=8080
  log_level   =   debug
workers = 4
";
        assert_eq!(
            parse_config(text),
            Ok(Config {
                name: "inventory-service".into(),
                port: 8080,
                log_level: "debug".into(),
                workers: 4,
            })
        );
    }

    #[test]
    fn rejects_a_bad_value_and_says_where() {
        let err =
            parse_config("name = svc\nport = 99999\nlog_level = info\nworkers = 1\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: invalid value `99999` for `port`: expected a port number from 1 to 65535"
        );
    }

    #[test]
    fn rejects_syntax_errors_unknown_and_duplicate_keys() {
        let err = parse_config("name = svc\nthis is not a pair\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: expected `key = value`, found `this is not a pair`"
        );

        let err = parse_config("name = svc\ncolour = blue\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: unknown key `colour` (known keys: name, port, log_level, workers)"
        );

        let err = parse_config("name = a\nname = b\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: key `name` is given more than once"
        );
    }

    #[test]
    fn rejects_a_missing_key() {
        let err = parse_config("name = svc\nport = 80\nworkers = 2\n").unwrap_err();
        assert_eq!(err, ParseError::MissingKey("log_level"));
        assert_eq!(err.to_string(), "missing required key `log_level`");
    }

    #[cfg(any(feature = "tokio", feature = "smol", feature = "async-std"))]
    #[test]
    fn the_served_config_parses() {
        let config = parse_config(app::CONFIG_TEXT).unwrap();
        assert_eq!(config.name, "inventory-service");
    }
}
