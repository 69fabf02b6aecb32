//! Test support: a small target that fetches URLs server-side, the way the SSRF checks
//! expect real APIs to. Like the Django testbed, it only ever connects to loopback
//! (127.0.0.1 / localhost); any other destination fails without a connection.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// What the fake does with `GET /fetch?url=X`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fetches X and returns its body.
    Reflect,
    /// Fetches X and answers `{"status":"fetched"}`.
    Blind,
    /// Answers at once, fetches X `delay` later in the background.
    Late(Duration),
    /// Never fetches; answers 400 and echoes X.
    Refuse,
}

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct Fake {
    pub mode: Mode,
    /// An `Authorization` value the fake sends along with its fetches.
    pub forward_auth: Option<String>,
    /// Forward the caller's own `Authorization` header instead.
    pub forward_caller_auth: bool,
    /// `/fetch` answers 401 without an Authorization header.
    pub require_auth: bool,
    /// Token header field (`jku`/`x5u`) whose URL `/me` fetches while validating.
    pub jwt_fetch: Option<&'static str>,
}

impl Fake {
    pub fn new(mode: Mode) -> Self {
        Fake {
            mode,
            forward_auth: None,
            forward_caller_auth: false,
            require_auth: false,
            jwt_fetch: None,
        }
    }
}

/// Every request the fake received, as `METHOD target`.
pub type Log = Arc<Mutex<Vec<String>>>;

/// Serves the fake on 127.0.0.1; returns its address and its request log.
pub async fn serve(fake: Fake) -> (SocketAddr, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let log: Log = Arc::default();
    let seen = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (fake, seen) = (fake.clone(), Arc::clone(&seen));
            tokio::spawn(async move { handle(sock, &fake, &seen).await });
        }
    });
    (addr, log)
}

async fn handle(mut sock: TcpStream, fake: &Fake, log: &Log) {
    let Some((target, headers)) = read_request(&mut sock).await else {
        return;
    };
    log.lock().expect("log").push(format!("GET {target}"));
    let url = Url::parse(&format!("http://fake{target}")).expect("target");
    let header = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let caller_auth = header("authorization");
    let (status, body) = match url.path() {
        "/fetch" => fetch_route(fake, &url, caller_auth).await,
        "/me" => me_route(fake, caller_auth.as_deref()).await,
        _ => (404, "{\"detail\":\"not found\"}".to_string()),
    };
    let resp = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(resp.as_bytes()).await;
}

async fn fetch_route(fake: &Fake, url: &Url, caller_auth: Option<String>) -> (u16, String) {
    if fake.require_auth && caller_auth.is_none() {
        return (401, "{\"detail\":\"authentication required\"}".into());
    }
    let Some(dest) = url
        .query_pairs()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.into_owned())
    else {
        return (400, "{\"detail\":\"url is required\"}".into());
    };
    let auth = if fake.forward_caller_auth {
        caller_auth
    } else {
        fake.forward_auth.clone()
    };
    match fake.mode {
        Mode::Refuse => (
            400,
            format!("{{\"detail\":\"not allowed\",\"url\":{dest:?}}}"),
        ),
        Mode::Late(delay) => {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = get(&dest, auth.as_deref()).await;
            });
            (202, "{\"status\":\"queued\"}".into())
        }
        Mode::Blind => {
            let _ = get(&dest, auth.as_deref()).await;
            (200, "{\"status\":\"fetched\"}".into())
        }
        Mode::Reflect => match get(&dest, auth.as_deref()).await {
            Some(body) => (200, body),
            None => (
                502,
                format!("{{\"error\":\"upstream failed\",\"url\":{dest:?}}}"),
            ),
        },
    }
}

async fn me_route(fake: &Fake, auth: Option<&str>) -> (u16, String) {
    let token = auth.and_then(|a| a.strip_prefix("Bearer "));
    if let (Some(field), Some(token)) = (fake.jwt_fetch, token) {
        if let Some(url) = header_field(token, field) {
            let _ = get(&url, None).await;
        }
    }
    (401, "{\"detail\":\"invalid token\"}".into())
}

fn header_field(token: &str, field: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(header).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get(field)?.as_str().map(str::to_string)
}

/// GET `url` if it is on loopback; the body, or `None`.
pub async fn get(url: &str, auth: Option<&str>) -> Option<String> {
    let u = Url::parse(url).ok()?;
    let host = u.host_str()?;
    if !(host == "127.0.0.1" || host == "localhost") || u.scheme() != "http" {
        return None; // like the testbed: never leave loopback
    }
    let mut s = TcpStream::connect(("127.0.0.1", u.port_or_known_default()?))
        .await
        .ok()?;
    let path = &url[u.origin().ascii_serialization().len()..];
    let path = if path.is_empty() { "/" } else { path };
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.ok()?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut out))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

async fn read_request(sock: &mut TcpStream) -> Option<(String, Vec<(String, String)>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        let n = tokio::time::timeout(Duration::from_secs(5), sock.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = text.split("\r\n");
    let target = lines.next()?.split(' ').nth(1)?.to_string();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some((target, headers))
}

/// A check context on the fake at `addr`, with `routes` discovered and a callback
/// listener on loopback; `internal` are the SSRF probe values.
pub async fn ctx(
    addr: SocketAddr,
    routes: &[&str],
    internal: Vec<crate::oast::InternalTarget>,
    meta: &'static tollgate_core::CheckMeta,
) -> (crate::engine::Engine, crate::check::CheckCtx) {
    let mut fx = crate::testkit::Fixture::new(&format!("http://{addr}/"));
    for r in routes {
        fx = fx.route(r);
    }
    ctx_from(fx, internal, meta).await
}

/// The same from a prepared fixture (identities, recorded exchanges).
pub async fn ctx_from(
    fx: crate::testkit::Fixture,
    internal: Vec<crate::oast::InternalTarget>,
    meta: &'static tollgate_core::CheckMeta,
) -> (crate::engine::Engine, crate::check::CheckCtx) {
    let opts = crate::oast::ReachOptions {
        internal_targets: internal,
        host_services: Vec::new(),
        ..crate::oast::ReachOptions::default()
    };
    let target = fx.target.clone();
    let (engine, ctx) = fx.ctx(meta);
    let reach = crate::oast::Reach::start(&opts, &target, engine.redactor().clone()).await;
    (engine, ctx.with_reach(Arc::new(reach)))
}
