//! Small misbehaving servers on 127.0.0.1 for the engine's integration tests.
//!
//! Every server counts the connections it accepts, so a test can prove that nothing
//! reached it. Every loop here is bounded in count and every read in time; the
//! servers' tasks end with the test's runtime.

#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tollgate_scan::engine::{Engine, EngineConfig, EngineError, Identity, Scope};
use url::Url;

/// Longest a server waits for a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head a server reads.
const HEAD_CAP: usize = 64 * 1024;

/// A running test server.
#[derive(Debug, Clone)]
pub struct Server {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Server {
    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).expect("test url")
    }

    /// `https://127.0.0.1:PORT{path}`.
    pub fn https_url(&self, path: &str) -> Url {
        Url::parse(&format!("https://{}{path}", self.addr)).expect("test url")
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Request heads read so far (servers built on [`http`]).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Serves every accepted connection with `handle(stream, request_counter)`.
pub async fn raw<F, Fut>(handle: F) -> Server
where
    F: Fn(TcpStream, Arc<AtomicUsize>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let server = Server {
        addr,
        connections: Arc::clone(&connections),
        requests: Arc::clone(&requests),
    };
    let handle = Arc::new(handle);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handle(sock, Arc::clone(&requests)));
        }
    });
    server
}

/// A listener that accepts and counts connections and never answers. Used as the
/// "must not be contacted" server.
pub async fn sink() -> Server {
    raw(|sock, _| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(sock);
    })
    .await
}

/// A port nothing listens on: bound, then released.
pub async fn refused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    port
}

/// A parsed request head.
#[derive(Debug, Clone)]
pub struct Head {
    pub method: String,
    pub path: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request head (bounded in size and time); the body, if any, is skipped
/// up to its Content-Length.
pub async fn read_head(sock: &mut TcpStream) -> Option<Head> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > HEAD_CAP {
            return None;
        }
        let n = tokio::time::timeout(HEAD_TIMEOUT, sock.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path, version) = (
        first.next()?.to_string(),
        first.next()?.to_string(),
        first.next()?.to_string(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    let head = Head {
        method,
        path,
        version,
        headers,
    };
    // Drain a request body so the client is not blocked writing it.
    let len: usize = head
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(HEAD_CAP);
    let mut have = buf.len() - (end + 4);
    while have < len {
        let n = tokio::time::timeout(HEAD_TIMEOUT, sock.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        have += n;
    }
    Some(head)
}

/// A complete HTTP/1.1 response with `Connection: close`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    )
    .into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// An HTTP server answering each request (one per connection) with the bytes
/// `handle(head, index)` returns; `index` counts requests from 0.
pub async fn http<F>(handle: F) -> Server
where
    F: Fn(&Head, usize) -> Vec<u8> + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    raw(move |mut sock, requests| {
        let handle = Arc::clone(&handle);
        async move {
            if let Some(head) = read_head(&mut sock).await {
                let index = requests.fetch_add(1, Ordering::SeqCst);
                let _ = sock.write_all(&handle(&head, index)).await;
                let _ = sock.shutdown().await;
            }
        }
    })
    .await
}

/// Limits for tests: short timeouts, no rate limiting to speak of, short back-off.
pub fn config() -> EngineConfig {
    EngineConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        rate_per_second: 10_000,
        retry_after_cap: Duration::from_secs(2),
        ..EngineConfig::default()
    }
}

/// An engine scoped to `target`'s origin.
pub fn engine(target: &Url, config: EngineConfig) -> Engine {
    engine_with(target, config, Vec::new(), false)
}

pub fn engine_with(
    target: &Url,
    config: EngineConfig,
    identities: Vec<Identity>,
    intrusive: bool,
) -> Engine {
    let scope = Scope::new(target, &[]).expect("scope");
    Engine::new(config, scope, identities, intrusive).expect("engine")
}

/// Runs `fut`, failing the test instead of hanging if it takes longer than `secs`.
pub async fn within<T>(secs: u64, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), fut)
        .await
        .expect("finished in bounded time")
}

/// The error's message and debug form, for leak assertions.
pub fn rendered(err: &EngineError) -> String {
    format!("{err} / {err:?}")
}
