//! The callback listener: a tiny, bounded HTTP/1.1 server that answers requests for
//! known tokens and records who made them.
//!
//! Bounded everywhere: at most [`MAX_CONNECTIONS`] connections at once (more are
//! closed at once), [`HEAD_CAP`] bytes of request head, [`READ_TIMEOUT`] to send it.
//! The body is never read.

use super::registry::{ForwardedCredential, Hit, Registry};
use super::token::looks_like_token;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tollgate_core::redact::PLACEHOLDER;
use tollgate_core::Redactor;

const MAX_CONNECTIONS: usize = 64;
const HEAD_CAP: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest request target kept in a hit.
const PATH_CAP: usize = 512;

/// Headers that carry credentials; a callback carrying one is a forwarded secret.
pub const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "cookie",
];

/// A running listener; dropping it stops accepting.
#[derive(Debug)]
pub struct Listener {
    local: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener {
    /// Binds `addr` and starts answering.
    pub async fn bind(
        addr: SocketAddr,
        registry: Arc<Registry>,
        redactor: Redactor,
    ) -> std::io::Result<Listener> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let task = tokio::spawn(accept_loop(listener, registry, Arc::new(redactor)));
        Ok(Listener { local, task })
    }

    /// The address actually bound (port 0 resolved).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

async fn accept_loop(listener: TcpListener, registry: Arc<Registry>, redactor: Arc<Redactor>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (sock, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::debug!(error = %e, "callback listener accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            continue; // over the connection cap: dropping the socket closes it
        };
        let registry = Arc::clone(&registry);
        let redactor = Arc::clone(&redactor);
        tokio::spawn(async move {
            let _permit = permit;
            serve(sock, peer, &registry, &redactor).await;
        });
    }
}

async fn serve(mut sock: TcpStream, peer: SocketAddr, registry: &Registry, redactor: &Redactor) {
    let at = Instant::now();
    let Some(head) = read_head(&mut sock).await else {
        return;
    };
    let Some((method, target, raw_headers)) = parse_head(&head) else {
        return;
    };
    let token = token_in(&target).filter(|t| registry.knows(t).is_some());
    let marker = token.as_deref().and_then(|t| registry.knows(t));
    let (headers, credentials) = redact_headers(&raw_headers, redactor);
    let hit = Hit {
        method: method.chars().take(16).collect(),
        path: cap(&redactor.redact(&target), PATH_CAP),
        headers,
        credentials,
        source: peer,
        at,
    };
    registry.record(token.as_deref(), hit);
    let response = respond(marker.as_deref(), method.eq_ignore_ascii_case("HEAD"));
    let _ = tokio::time::timeout(READ_TIMEOUT, sock.write_all(&response)).await;
    let _ = sock.shutdown().await;
}

/// The request head, or `None` when it is too slow, too big or malformed.
async fn read_head(sock: &mut TcpStream) -> Option<String> {
    let deadline = Instant::now() + READ_TIMEOUT;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = find_end(&buf) {
            buf.truncate(end);
            return Some(String::from_utf8_lossy(&buf).into_owned());
        }
        if buf.len() >= HEAD_CAP {
            return None;
        }
        let n = tokio::time::timeout_at(deadline, sock.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

type Head = (String, String, Vec<(String, String)>);

/// Method, request target and headers (names lower-cased).
fn parse_head(head: &str) -> Option<Head> {
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next().filter(|m| !m.is_empty())?.to_string();
    let target = first.next().filter(|t| !t.is_empty())?.to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some((method, target, headers))
}

/// The first path segment shaped like a token (any prefix path of a public callback
/// URL, and any suffix the target adds, are ignored).
fn token_in(target: &str) -> Option<String> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    path.split('/')
        .find(|s| looks_like_token(s))
        .map(str::to_ascii_lowercase)
}

/// Headers with the user's secrets replaced by `$TOKEN`, every other credential
/// masked; and the credential headers present.
fn redact_headers(
    raw: &[(String, String)],
    redactor: &Redactor,
) -> (Vec<(String, String)>, Vec<ForwardedCredential>) {
    let mut credentials = Vec::new();
    let headers = raw
        .iter()
        .take(64)
        .map(|(k, v)| {
            if !CREDENTIAL_HEADERS.contains(&k.as_str()) {
                return (k.clone(), cap(&redactor.redact(v), 256));
            }
            // Only a value that is wholly a user's credential may show as `$TOKEN`: the
            // redactor also replaces fragments (a JWT header segment shared by every
            // token of an issuer), which must not pass off another token as the user's.
            let redacted = redactor.redact(v);
            let callers_own = is_placeholder(&redacted);
            let shown = if callers_own {
                redacted.trim().to_string()
            } else {
                crate::mask::credential(v)
            };
            credentials.push(ForwardedCredential {
                header: k.clone(),
                shown: shown.clone(),
                callers_own,
            });
            (k.clone(), shown)
        })
        .collect();
    (headers, credentials)
}

/// `$TOKEN`, or an auth scheme followed by `$TOKEN`, and nothing else.
fn is_placeholder(redacted: &str) -> bool {
    let t = redacted.trim();
    t == PLACEHOLDER
        || t.split_once(' ').is_some_and(|(scheme, rest)| {
            crate::mask::is_scheme(scheme) && rest.trim() == PLACEHOLDER
        })
}

fn cap(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// 200 with the probe's marker for a known token, 404 otherwise.
fn respond(marker: Option<&str>, head: bool) -> Vec<u8> {
    let (status, body) = match marker {
        Some(m) => ("200 OK", format!("{{\"tollgate\":\"{m}\",\"keys\":[]}}\n")),
        None => ("404 Not Found", "{\"detail\":\"not found\"}\n".to_string()),
    };
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head {
        out.extend_from_slice(body.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oast::registry::ProbeKey;
    use tollgate_core::Secret;
    use url::Url;

    #[test]
    fn token_is_found_under_any_prefix() {
        let t = "0123456789abcdef0123456789abcdef";
        assert_eq!(token_in(&format!("/{t}")).as_deref(), Some(t));
        assert_eq!(
            token_in(&format!("/tunnel/{t}/.well-known/jwks.json?x=1")).as_deref(),
            Some(t)
        );
        assert_eq!(token_in("/version"), None);
    }

    async fn raw_request(addr: SocketAddr, req: &str) -> String {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(req.as_bytes()).await.expect("write");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out).await; // a dropped client sees a reset
        out
    }

    #[tokio::test]
    async fn answers_known_tokens_and_records_redacted_hits() {
        let registry = Arc::new(Registry::default());
        let user = Secret::new("user-secret-0123456789abcdef");
        let redactor = Redactor::new([&user]);
        let l = Listener::bind(
            "127.0.0.1:0".parse().expect("addr"),
            Arc::clone(&registry),
            redactor,
        )
        .await
        .expect("bind");
        let base = Url::parse(&format!("http://{}/", l.local_addr())).expect("url");
        let key = ProbeKey {
            url: "u".into(),
            parameter: "url".into(),
            identity: None,
        };
        let p = registry.probe(key, &base).expect("probe");
        let svc = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1In0.c2lnbmF0dXJlLXZhbHVl";
        let req = format!(
            "GET /{}/x HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {svc}\r\nX-Api-Key: {}\r\n\r\n",
            p.token,
            user.expose()
        );
        let resp = raw_request(l.local_addr(), &req).await;
        assert!(
            resp.starts_with("HTTP/1.1 200") && resp.contains(&p.marker),
            "{resp}"
        );
        let miss = raw_request(l.local_addr(), "GET /version HTTP/1.1\r\n\r\n").await;
        assert!(miss.starts_with("HTTP/1.1 404") && !miss.contains(&p.marker));
        let hits = registry.hits(&p.token);
        assert_eq!(hits.len(), 1);
        let h = &hits[0];
        let names: Vec<&str> = h.credentials.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(names, vec!["authorization", "x-api-key"]);
        assert!(!h.credentials[0].callers_own && h.credentials[1].callers_own);
        assert!(h
            .header("authorization")
            .is_some_and(|v| v.starts_with("Bearer eyJh…")));
        assert_eq!(h.header("x-api-key"), Some("$TOKEN"));
        let all = format!("{hits:?}");
        assert!(!all.contains(svc) && !all.contains(user.expose()));
        assert_eq!(registry.summary().unmatched, 1);
    }

    #[tokio::test]
    async fn oversized_or_silent_clients_are_dropped() {
        let registry = Arc::new(Registry::default());
        let l = Listener::bind(
            "127.0.0.1:0".parse().expect("addr"),
            Arc::clone(&registry),
            Redactor::default(),
        )
        .await
        .expect("bind");
        let big = format!("GET /{} HTTP/1.1\r\n", "a".repeat(HEAD_CAP + 10));
        let resp = raw_request(l.local_addr(), &big).await;
        assert!(resp.is_empty());
        assert_eq!(
            registry.summary().hits + registry.summary().unmatched as usize,
            0
        );
    }
}
