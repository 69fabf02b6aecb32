//! MISC-003: CORS that trusts any origin, `null`, `*`, or origins that defeat an
//! allow-list (the API's host as a prefix or suffix of an attacker domain, an
//! unescaped dot, a sibling subdomain, plain http).

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::{Auth, Exchange, ProbeRequest};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct Cors;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-003"),
    name: "CORS trusts arbitrary origins",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 942,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: MAX_PROBES_U32,
    docs: CheckDocs {
        what: "Sends GETs with foreign `Origin` headers to the first discovered route that answered JSON (CORS is often set for the API's paths only), else to the target, and reports an `Access-Control-Allow-Origin` that echoes one (high when `Access-Control-Allow-Credentials: true` comes with it), or `*`. First an arbitrary origin (`https://tollgate-evil.example`) and `null`; when the arbitrary origin is refused, the origin shapes that defeat hand-written allow-lists, built from the API's own host and the hosts of the OpenAPI document's `servers`: the host as a prefix of an attacker domain (`https://api.example.com.tollgate-evil.example`), as a suffix (`https://tollgate-evilapi.example.com`), with its first dot replaced (`https://apixexample.com`: an unescaped `.` in a regex), a sibling subdomain (`https://tollgate-evil.example.com`), and `http://` instead of `https://`. At most 12 requests. The reflected shapes are reported together, as one allow-list finding. A response without CORS headers to a foreign origin is the safe baseline.",
        why: "A reflected origin with credentials lets any website the victim visits read the API's responses with the victim's cookies: the profile, the data, and any token the API hands out. `null` is sent by sandboxed iframes, so allowing it is the same as allowing everyone. An allow-list that checks with `startsWith`, `endsWith` or an unescaped regex accepts domains anyone can register; a sibling subdomain or a plain-http origin hands the API to whoever controls that subdomain or the network path.",
        evidence: "GET / with `Origin: https://tollgate-evilapi.example.com` → `Access-Control-Allow-Origin: https://tollgate-evilapi.example.com`, `Access-Control-Allow-Credentials: true`, while `Origin: https://tollgate-evil.example` gets no CORS headers.",
        remediation: "Compare the Origin for exact equality against an explicit list of your front-end origins (scheme, host and port); never echo it, never allow `null`, never match with prefix/suffix tests or unanchored, unescaped regexes, and only send `Access-Control-Allow-Credentials: true` for allow-listed origins.",
        remediation_django: Some("With django-cors-headers set `CORS_ALLOWED_ORIGINS = [\"https://app.example\"]`, leave `CORS_ALLOW_ALL_ORIGINS = False`, and do not use `CORS_ALLOWED_ORIGIN_REGEXES` patterns like `.*` or `^https://.*example\\.com` (anchor them: `^https://[a-z]+\\.example\\.com$`). Remove any custom middleware that copies `HTTP_ORIGIN` into the response."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/942.html",
            "https://portswigger.net/web-security/cors",
        ],
    },
};

const EVIL: &str = "https://tollgate-evil.example";
const EVIL_DOMAIN: &str = "tollgate-evil.example";
/// Most requests: the arbitrary origin, `null`, and five shapes for each of two hosts.
const MAX_PROBES: usize = 12;
const MAX_PROBES_U32: u32 = 12;
/// Own hosts the shapes are built from: the target's and one from the `servers`.
const MAX_HOSTS: usize = 2;

/// How a probe origin relates to the API's own host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Null,
    Prefix,
    Suffix,
    UnescapedDot,
    Sibling,
    Http,
}

impl Shape {
    fn describe(self) -> &'static str {
        match self {
            Shape::Null => "the `null` origin",
            Shape::Prefix => "an attacker domain that starts with the API's host",
            Shape::Suffix => "an attacker domain that ends with the API's host",
            Shape::UnescapedDot => "the API's host with a dot replaced (an unescaped `.`)",
            Shape::Sibling => "a sibling subdomain",
            Shape::Http => "the API's host over plain http",
        }
    }

    /// With credentials: attacker-registrable origins are high; a sibling subdomain
    /// or a plain-http origin needs a foothold there first.
    fn severity(self, creds: bool) -> Severity {
        match (creds, self) {
            (false, _) => Severity::Low,
            (true, Shape::Sibling | Shape::Http) => Severity::Medium,
            (true, _) => Severity::High,
        }
    }
}

/// An own host: scheme, host, and the `:port` suffix (empty for the default port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnHost {
    scheme: String,
    host: String,
    port: String,
}

impl OwnHost {
    fn of(url: &Url) -> Option<OwnHost> {
        let host = url.host_str()?.to_ascii_lowercase();
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        Some(OwnHost {
            scheme: url.scheme().to_string(),
            host,
            port,
        })
    }

    fn is_name(&self) -> bool {
        self.host.parse::<std::net::IpAddr>().is_err()
            && !self.host.starts_with('[')
            && self.host != "localhost"
    }

    /// The allow-list-defeating origins for this host.
    fn shapes(&self) -> Vec<(Shape, String)> {
        let OwnHost { scheme, host, port } = self;
        let mut out = vec![(
            Shape::Prefix,
            format!("{scheme}://{host}.{EVIL_DOMAIN}{port}"),
        )];
        let labels = host.split('.').count();
        if self.is_name() {
            out.push((
                Shape::Suffix,
                format!("{scheme}://tollgate-evil{host}{port}"),
            ));
            if labels >= 3 {
                out.push((
                    Shape::UnescapedDot,
                    format!("{scheme}://{}{port}", host.replacen('.', "x", 1)),
                ));
                if let Some((_, parent)) = host.split_once('.') {
                    out.push((
                        Shape::Sibling,
                        format!("{scheme}://tollgate-evil.{parent}{port}"),
                    ));
                }
            }
        }
        if scheme == "https" {
            out.push((Shape::Http, format!("http://{host}{port}")));
        }
        out
    }
}

/// The target's host, then the first other host among the document's absolute
/// `servers`.
fn own_hosts(ctx: &CheckCtx) -> Vec<OwnHost> {
    let mut hosts: Vec<OwnHost> = OwnHost::of(&ctx.target().url).into_iter().collect();
    if let Some(spec) = &ctx.target().spec {
        for s in &spec.model.servers {
            let Ok(u) = Url::parse(&s.url) else { continue };
            if let Some(h) = OwnHost::of(&u) {
                if hosts.len() < MAX_HOSTS && !hosts.iter().any(|x| x.host == h.host) {
                    hosts.push(h);
                }
            }
        }
    }
    hosts
}

fn creds_allowed(ex: &Exchange) -> bool {
    ex.response
        .header("access-control-allow-credentials")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

fn acao(ex: &Exchange) -> Option<&str> {
    ex.response
        .header("access-control-allow-origin")
        .map(str::trim)
}

/// What the response allowed for one probe origin.
fn judge(ex: &Exchange, origin: &str) -> Option<(Severity, String)> {
    let acao = acao(ex)?;
    let creds = creds_allowed(ex);
    let with = if creds { " with credentials" } else { "" };
    if acao == origin {
        let sev = if creds { Severity::High } else { Severity::Low };
        let what = if origin == "null" {
            "the `null` origin"
        } else {
            "an arbitrary origin"
        };
        return Some((sev, format!("CORS allows {what}{with}")));
    }
    (acao == "*").then(|| (Severity::Low, "CORS allows any origin (`*`)".to_string()))
}

#[async_trait]
impl Check for Cors {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let auth = ctx
            .target()
            .primary_identity
            .clone()
            .map_or(Auth::Anonymous, Auth::Identity);
        let at = probe_url(ctx);
        let probe = |origin: &str| {
            ProbeRequest::get(at.clone())
                .header("origin", origin)
                .auth(auth.clone())
        };
        let evil = ctx.send(probe(EVIL)).await?;
        if judge(&evil, EVIL).is_some() {
            // No allow-list at all: the arbitrary origin (or `*`), and `null`.
            let mut findings: Vec<Finding> = reflected(ctx, &evil, EVIL).into_iter().collect();
            let null = ctx.send(probe("null")).await?;
            findings.extend(reflected(ctx, &null, "null"));
            // `*` answers both probes; report it once.
            findings.dedup_by(|a, b| a.title == b.title);
            return Ok(findings);
        }
        let mut tries = vec![(Shape::Null, "null".to_string())];
        for h in own_hosts(ctx) {
            tries.extend(h.shapes());
        }
        tries.dedup_by(|a, b| a.1 == b.1);
        let mut accepted: Vec<(Shape, String, Arc<Exchange>)> = Vec::new();
        for (shape, origin) in tries.into_iter().take(MAX_PROBES - 1) {
            let ex = ctx.send(probe(&origin)).await?;
            if acao(&ex) == Some(origin.as_str()) {
                accepted.push((shape, origin, ex));
            }
        }
        Ok(allow_list_finding(ctx, &accepted).into_iter().collect())
    }
}

/// Where to send the probes: the first discovered route that answered JSON with a
/// success (CORS is often configured for the API's paths only, such as `/api/*`),
/// else the target itself.
fn probe_url(ctx: &CheckCtx) -> Url {
    let transcript = ctx.transcript();
    let json_ok = |u: &Url| {
        transcript.iter().any(|e| {
            &e.request.url == u
                && e.request.method == HttpMethod::Get
                && e.response.is_success()
                && e.response
                    .content_type()
                    .is_some_and(|c| c.contains("json"))
        })
    };
    ctx.target()
        .routes
        .iter()
        .find(|u| json_ok(u))
        .cloned()
        .unwrap_or_else(|| ctx.target().url.clone())
}

fn reflected(ctx: &CheckCtx, ex: &Exchange, origin: &str) -> Option<Finding> {
    let (severity, title) = judge(ex, origin)?;
    Some(
        ctx.finding(ex, title, None)
            .with_key(origin)
            .with_severity(severity)
            .with_confidence(Confidence::Confirmed)
            .with_fact(format!("request Origin: {origin}"))
            .with_fact(format!(
                "Access-Control-Allow-Origin: {}",
                acao(ex).unwrap_or_default()
            )),
    )
}

/// One finding for an allow-list that accepted some shapes, at the worst severity,
/// every accepted origin in its facts.
fn allow_list_finding(
    ctx: &CheckCtx,
    accepted: &[(Shape, String, Arc<Exchange>)],
) -> Option<Finding> {
    let worst = accepted
        .iter()
        .max_by_key(|(shape, _, ex)| shape.severity(creds_allowed(ex)))?;
    let (shape, _, ex) = worst;
    let creds = creds_allowed(ex);
    let mut shapes: Vec<&'static str> = Vec::new();
    for (s, _, _) in accepted {
        if !shapes.contains(&s.describe()) {
            shapes.push(s.describe());
        }
    }
    let with = if creds { " with credentials" } else { "" };
    let others = match shapes.len() {
        0 | 1 => String::new(),
        2 => " and one other origin shape".to_string(),
        n => format!(" and {} other origin shapes", n - 1),
    };
    let title = format!("CORS allow-list accepts {}{others}{with}", shape.describe());
    let mut f = ctx
        .finding(ex, title, None)
        .with_key("allow-list")
        .with_severity(shape.severity(creds))
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "`Origin: {EVIL}` was refused, so an allow-list is in place"
        ));
    for (s, origin, ex) in accepted {
        f = f.with_fact(format!(
            "{}: `Origin: {origin}` reflected{}",
            s.describe(),
            if creds_allowed(ex) {
                ", with Access-Control-Allow-Credentials: true"
            } else {
                ""
            }
        ));
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    #[tokio::test]
    async fn fires_on_reflected_origin_with_credentials() {
        let addr = serve(|req| {
            let origin = req.header("origin").unwrap_or("").to_string();
            RawResponse::new(200, "{}")
                .header("access-control-allow-origin", &origin)
                .header("access-control-allow-credentials", "true")
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = Cors.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|f| f.severity == Severity::High));
        assert_eq!(ctx.requests_made(), 2);
    }

    #[tokio::test]
    async fn silent_with_allow_list() {
        let addr = serve(|req| {
            let mut r = RawResponse::new(200, "{}");
            if req.header("origin") == Some("https://app.example") {
                r = r.header("access-control-allow-origin", "https://app.example");
            }
            r
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(Cors.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn wildcard_is_low_and_reported_once() {
        let addr =
            serve(|_| RawResponse::new(200, "{}").header("access-control-allow-origin", "*")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = Cors.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
    }

    /// An allow-list meant for `https://shop.example.com` written with `endsWith`,
    /// `startsWith` and `null`, as hand-written origin functions often are.
    fn broken_allow_list(origin: &str) -> bool {
        origin == "null"
            || origin.ends_with("shop.example.com")
            || origin.starts_with("https://shop.example.com")
    }

    const SPEC: &str = r#"{"openapi":"3.0.3","info":{"title":"t","version":"1"},
        "servers":[{"url":"https://shop.example.com/api"}],
        "paths":{"/me":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;

    #[tokio::test]
    async fn allow_list_shapes_are_tried_and_reported_once() {
        let addr = serve(|req| {
            let origin = req.header("origin").unwrap_or("").to_string();
            let mut r = RawResponse::new(200, "{}");
            if broken_allow_list(&origin) {
                r = r
                    .header("access-control-allow-origin", &origin)
                    .header("access-control-allow-credentials", "true");
            }
            r
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        let f = Cors.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].title.contains("with credentials"), "{}", f[0].title);
        let facts = f[0].evidence.facts.join("\n");
        for origin in [
            "`Origin: null`",
            "`Origin: https://shop.example.com.tollgate-evil.example`",
            "`Origin: https://tollgate-evilshop.example.com`",
            "`Origin: http://shop.example.com`",
        ] {
            assert!(facts.contains(origin), "{origin} in {facts}");
        }
        assert!(!facts.contains("tollgate-evil.example.com`"), "{facts}");
        assert!(!facts.contains("shopxexample"), "{facts}");
        assert!(ctx.requests_made() <= 12);
    }

    #[tokio::test]
    async fn exact_allow_list_is_silent_whatever_the_shape() {
        let addr = serve(|req| {
            let origin = req.header("origin").unwrap_or("").to_string();
            let mut r = RawResponse::new(200, "{}");
            if origin == "https://shop.example.com" || origin == "https://app.shop.example.com" {
                r = r
                    .header("access-control-allow-origin", &origin)
                    .header("access-control-allow-credentials", "true");
            }
            r
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(Cors.run(&ctx).await.expect("run").is_empty());
        // evil, null, the target's prefix shape, five shapes of shop.example.com.
        assert_eq!(ctx.requests_made(), 8);
    }

    #[test]
    fn shapes_of_a_host() {
        let h = OwnHost::of(&Url::parse("https://api.example.com/").expect("url")).expect("h");
        let origins: Vec<String> = h.shapes().into_iter().map(|(_, o)| o).collect();
        assert_eq!(
            origins,
            [
                "https://api.example.com.tollgate-evil.example",
                "https://tollgate-evilapi.example.com",
                "https://apixexample.com",
                "https://tollgate-evil.example.com",
                "http://api.example.com",
            ]
        );
        let ip = OwnHost::of(&Url::parse("http://127.0.0.1:8080/").expect("url")).expect("h");
        let origins: Vec<String> = ip.shapes().into_iter().map(|(_, o)| o).collect();
        assert_eq!(origins, ["http://127.0.0.1.tollgate-evil.example:8080"]);
    }

    #[tokio::test]
    async fn probes_the_first_json_route_when_cors_covers_only_the_api() {
        let addr = serve(|req| {
            let origin = req.header("origin").unwrap_or("").to_string();
            let mut r = RawResponse::new(200, "{}");
            if req.path.starts_with("/api/") {
                r = r
                    .header("access-control-allow-origin", &origin)
                    .header("access-control-allow-credentials", "true");
            }
            r
        })
        .await;
        let me = format!("http://{addr}/api/me");
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/docs/")
            .route("/api/me")
            .recorded(crate::testkit::exchange(
                HttpMethod::Get,
                &me,
                200,
                &[("content-type", "application/json")],
                "{}",
            ))
            .ctx(&META);
        let f = Cors.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f[0].location.to_string().contains("/api/me"),
            "{}",
            f[0].location
        );
    }
}
