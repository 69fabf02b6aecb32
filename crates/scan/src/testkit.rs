//! Test support: a minimal HTTP/1.1 server on 127.0.0.1 and check contexts built from
//! recorded exchanges. Compiled only with the `testkit` feature (tests).

use crate::check::{CheckCtx, Profile};
use crate::engine::{Engine, EngineConfig, Exchange, Identity, RecordedRequest, Response, Scope};
use crate::recon::{Soft404, TargetInfo};
use bytes::Bytes;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tollgate_core::{CheckMeta, HttpMethod, Technology};
use url::Url;

/// A parsed request head.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body, read up to its `Content-Length` (at most 256 KiB).
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A canned response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        RawResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
            self.status,
            self.body.len()
        )
        .into_bytes();
        for (k, v) in &self.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// Serves `handler` on 127.0.0.1 on a free port until the runtime ends.
pub async fn serve<F>(handler: F) -> SocketAddr
where
    F: Fn(&RawRequest) -> RawResponse + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local addr");
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let handler = Arc::clone(&handler);
            tokio::spawn(async move {
                if let Some(req) = read_head(&mut sock).await {
                    let _ = sock.write_all(&handler(&req).to_bytes()).await;
                }
            });
        }
    });
    addr
}

async fn read_head(sock: &mut tokio::net::TcpStream) -> Option<RawRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 256 * 1024 {
        let n = tokio::time::timeout(Duration::from_secs(5), sock.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect::<Vec<(String, String)>>();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(256 * 1024);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = tokio::time::timeout(Duration::from_secs(5), sock.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Some(RawRequest {
        method,
        path,
        headers,
        body,
    })
}

/// An exchange as if recorded by the engine.
pub fn exchange(
    method: HttpMethod,
    url: &str,
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
) -> Exchange {
    Exchange {
        seq: 0,
        check: None,
        request: RecordedRequest {
            method,
            url: Url::parse(url).expect("test url"),
            headers: Vec::new(),
            identity: None,
        },
        response: Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            body: Bytes::from(body.to_string()),
            truncated: false,
            elapsed: Duration::ZERO,
        },
    }
}

/// The same exchange, as sent by the named identity.
pub fn as_identity(mut ex: Exchange, identity: &str) -> Exchange {
    ex.request.identity = Some(identity.to_string());
    ex.request
        .headers
        .push(("authorization".into(), "Bearer $TOKEN".into()));
    ex
}

/// Builder of a check context over a target URL and recorded exchanges.
pub struct Fixture {
    pub target: Url,
    pub identities: Vec<Identity>,
    pub technologies: Vec<Technology>,
    pub soft404: Soft404,
    pub exchanges: Vec<Exchange>,
    pub routes: Vec<Url>,
    /// As `--allow intrusive`: the engine sends state-changing methods.
    pub allow_intrusive: bool,
    pub spec: Option<Arc<crate::recon::spec::ApiSpec>>,
}

impl Fixture {
    pub fn new(target: &str) -> Self {
        Fixture {
            target: Url::parse(target).expect("test url"),
            identities: Vec::new(),
            technologies: Vec::new(),
            soft404: Soft404::default(),
            exchanges: Vec::new(),
            routes: Vec::new(),
            allow_intrusive: false,
            spec: None,
        }
    }

    pub fn identity(mut self, id: Identity) -> Self {
        self.identities.push(id);
        self
    }

    pub fn tech(mut self, name: &str) -> Self {
        self.technologies.push(Technology {
            name: name.into(),
            version: None,
            evidence: "test".into(),
        });
        self
    }

    /// Lets the engine send state-changing methods, as `--allow intrusive` does.
    pub fn intrusive(mut self) -> Self {
        self.allow_intrusive = true;
        self
    }

    /// A route discovery would have found (besides the target).
    pub fn route(mut self, path: &str) -> Self {
        self.routes
            .push(self.target.join(path).expect("test route"));
        self
    }

    /// An OpenAPI document (JSON or YAML) the scan works from.
    pub fn spec(mut self, doc: &str) -> Self {
        let model =
            tollgate_spec::parse(doc.as_bytes(), tollgate_spec::no_files).expect("test spec");
        self.spec = Some(Arc::new(crate::recon::spec::ApiSpec {
            model: Arc::new(model),
            served_at: None,
        }));
        self
    }

    pub fn recorded(mut self, ex: Exchange) -> Self {
        self.exchanges.push(ex);
        self
    }

    /// The engine and a context for `meta`. The engine may send real requests to the
    /// target (tests point it at [`serve`]).
    pub fn ctx(self, meta: &'static CheckMeta) -> (Engine, CheckCtx) {
        let scope = Scope::new(&self.target, &[]).expect("scope");
        let engine = Engine::new(
            EngineConfig::default(),
            scope,
            self.identities.clone(),
            self.allow_intrusive,
        )
        .expect("engine");
        for ex in self.exchanges {
            engine.transcript().record(ex);
        }
        if let Some(spec) = &self.spec {
            engine
                .gate()
                .learn_spec(spec.model.base_path(), &spec.model.operations);
        }
        let target = TargetInfo {
            url: self.target.clone(),
            technologies: self.technologies,
            soft404: self.soft404,
            primary_identity: self.identities.first().map(|i| i.name.clone()),
            identities: self.identities.iter().map(|i| i.name.clone()).collect(),
            routes: std::iter::once(self.target.clone())
                .chain(self.routes)
                .collect(),
            spec: self.spec,
        };
        let ctx = CheckCtx::new(engine.clone(), meta, Arc::new(target), Profile::Standard);
        (engine, ctx)
    }
}

/// Internals that the crate's own integration tests, examples and benches reach.
/// Not part of the public API: only built with the `testkit` feature.
pub mod internals {
    pub use crate::checks::auth::test_support;
    pub use crate::checks::kit::token_probes::now;
    /// The JWT signing and cracking internals (the cracking bench uses them).
    pub mod jwt {
        pub use crate::jwt::{
            builtin_wordlist, crack, crack_builtin, crack_generated, forge, generated,
            generated_count, Candidates, HmacAlg, HmacJob, Signer, Token,
        };
    }
    pub use crate::oast::{HostService, InternalTarget, Service, DEFAULT_GRACE};
    pub use crate::recon::hidden_routes;
}
