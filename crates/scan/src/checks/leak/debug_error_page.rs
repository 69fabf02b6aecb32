//! LEAK-002: debug error pages, stack traces and SQL errors, and the secrets they show.
//!
//! Safe GETs that make frameworks fail (a word where a numeric id goes, malformed and
//! oversized query values, an odd `Accept`, a trailing dot) are sent to the routes
//! discovery found; the answers, and any 5xx already in the transcript, are checked for
//! the debug pages of Django, Werkzeug/Flask, Starlette/FastAPI, Express/Node, Spring,
//! Rails, Laravel, ASP.NET, PHP and Go, and for SQL error text. What the page leaks
//! (environment, settings, tokens) decides the severity.

use crate::check::Check;
use crate::check::{CheckCtx, CheckError};
use crate::checks::kit::error_probes::{mutable_routes, plan, probe_limit, spec_probes, Probe};
use crate::checks::kit::leaked_secrets::{self, Leaked};
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::recon::discovery::html_unescape;
use async_trait::async_trait;
use futures::StreamExt;
use regex::Regex;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};
use url::Url;

pub struct DebugErrorPage;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("LEAK-002"),
    name: "Debug error page or stack trace exposes internals",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 209,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 48,
    docs: CheckDocs {
        what: "Sends safe GET requests built to make a framework fail: first, for documented GET operations whose path parameter the OpenAPI document types (integer, number, boolean, or a uuid/date format), the operation's URL with a word (`abc`) in that parameter (at most a third of the probes); then, on the routes discovery found, a word in a numeric path segment or as a child of a collection, non-numeric, oversized and JSON-looking values in query parameters, malformed pagination parameters, an unexpected `Accept` header and a trailing dot (8 probes in the quick profile, 24 in standard, 48 in deep). Answers of 400 and above, and every 5xx already recorded, are matched against the debug pages of Django (technical 500, `DEBUG = True`), Werkzeug/Flask, Starlette/FastAPI, Rails, Laravel, ASP.NET, Spring, PHP, Go and Node stack traces, and SQL error text. A signature that the route's normal answer also contains is ignored. The page is then searched for credentials and infrastructure details with tollgate's secret patterns (Django's settings and `request.META` tables are read row by row).",
        why: "A debug page is a guided tour for an attacker. Django's technical 500 page prints the settings and `request.META`; under `runserver` and many container setups that is the process environment, with deploy tokens, database URLs and `DOCKER_HOST`. A token found there is a working credential, a `DOCKER_HOST=tcp://…` is a container escape waiting for an SSRF, and even a bare stack trace names the code paths, libraries and SQL to attack.",
        evidence: "GET /api/v2/products/abc/ → 500 `ValueError at /api/v2/products/abc/` with `You're seeing this error because you have DEBUG = True`; META shows `DEPLOY_GITHUB_PAT` = `ghp_…RM6r` (checksum valid) and `DOCKER_HOST=tcp:…2375`.",
        remediation: "Turn debug mode off in every deployed environment and serve a generic error page; log the details server-side instead. Validate path and query parameters (type-convert with a 400/404 on failure) so bad input never reaches the database layer. Rotate every credential the page showed: treat it as published.",
        remediation_django: Some("Set `DEBUG = False` (read it from the environment, default False) and `ALLOWED_HOSTS`; define `handler500`/`handler404` that return JSON. Use typed URL converters (`<int:pk>`) and let DRF pagination raise `NotFound` instead of calling `int()` on query values. Never run `manage.py runserver` in production: it copies `os.environ` into `request.META`. Secrets whose names avoid `API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE` are not masked by `SafeExceptionReporterFilter`; rotate them."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/209.html",
            "https://docs.djangoproject.com/en/stable/ref/settings/#debug",
            "https://docs.djangoproject.com/en/stable/howto/error-reporting/#filtering-error-reports",
        ],
    },
};

const KINDS_TOML: &str = include_str!("debug_pages.toml");

/// A recognisable debug or error page (one entry of `debug_pages.toml`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PageKind {
    name: String,
    severity: Severity,
    #[serde(deserialize_with = "crate::checks::kit::tables::regex")]
    pattern: Regex,
    /// The database-error kind.
    #[serde(default)]
    sql: bool,
    #[cfg_attr(not(test), allow(dead_code))]
    must_match: Vec<String>,
    #[cfg_attr(not(test), allow(dead_code))]
    must_not_match: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KindTable {
    kind: Vec<PageKind>,
}

/// The page kinds, most specific first.
fn kinds() -> &'static [PageKind] {
    static CELL: OnceLock<Vec<PageKind>> = OnceLock::new();
    CELL.get_or_init(|| {
        toml::from_str::<KindTable>(KINDS_TOML)
            .expect("debug_pages.toml is valid (checked by a test)")
            .kind
    })
}

/// The body as text a signature can match: entities decoded, `<br>` as new lines.
fn normalised(ex: &Exchange) -> String {
    html_unescape(&ex.response.text())
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
}

/// Which debug page the text is, if any.
fn recognise(text: &str) -> Option<&'static PageKind> {
    kinds().iter().find(|k| k.pattern.is_match(text))
}

/// `NAME=value` lines from Django's settings, META and local-variable tables
/// (`<td>NAME</td><td class="code"><pre>'value'</pre></td>`).
fn django_rows(html: &str) -> Vec<(String, String)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r#"(?s)<td>([A-Za-z_][A-Za-z0-9_.-]{0,100})</td>\s*<td class="code"><pre>(.*?)</pre></td>"#)
            .expect("constant regex")
    });
    re.captures_iter(html)
        .take(5_000)
        .filter_map(|c| {
            let name = c.get(1)?.as_str().to_string();
            let raw = html_unescape(c.get(2)?.as_str()).trim().to_string();
            let value = raw
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .map_or(raw.clone(), str::to_string);
            Some((name, value))
        })
        .collect()
}

/// Environment names whose values point at credentials or control planes.
const NOTABLE_ENV: &[&str] = &[
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "DOCKER_CERT_PATH",
    "KUBERNETES_PORT",
];

/// What a page shows, judged.
struct Judged {
    kind: &'static PageKind,
    severity: Severity,
    leaks: Vec<Leaked>,
    facts: Vec<String>,
    highlight: Option<String>,
}

fn judge(ctx: &CheckCtx, ex: &Exchange, kind: &'static PageKind, text: &str) -> Judged {
    let rows = django_rows(&ex.response.text());
    let synthetic: String = rows.iter().map(|(n, v)| format!("{n}={v}\n")).collect();
    let echoed = leaked_secrets::echoed_by_request(ex);
    let mut leaks = leaked_secrets::find_leaks(&synthetic, ctx.redactor(), &echoed);
    for l in leaked_secrets::find_leaks(text, ctx.redactor(), &echoed) {
        if !leaks.iter().any(|k| k.raw() == l.raw()) {
            leaks.push(l);
        }
    }
    leaks.retain(|l| l.kind != tollgate_secrets::Kind::Pii);
    let mut facts = Vec::new();
    let mut severity = kind
        .severity
        .max(leaked_secrets::worst(&leaks).unwrap_or(Severity::Info));
    if leaked_secrets::shows_own_credential(&ex.response.text(), ctx.redactor()) {
        severity = Severity::Critical;
        facts.push("the page shows the scanner's own credential (shown here as $TOKEN)".into());
    }
    for (name, value) in rows
        .iter()
        .filter(|(n, _)| NOTABLE_ENV.contains(&n.as_str()))
    {
        if !value.is_empty() && !value.starts_with("****") {
            severity = severity.max(Severity::High);
            facts.push(format!(
                "environment variable `{name}` = `{}`",
                crate::mask::value(value)
            ));
        }
    }
    if rows.len() > 10 {
        facts.push(format!(
            "{} settings, request.META and local-variable rows are printed (under runserver, META holds the process environment)",
            rows.len()
        ));
    }
    if !kind.sql && kinds().iter().any(|k| k.sql && k.pattern.is_match(text)) {
        facts.push("the page also contains database error text".into());
    }
    let highlight = leaks
        .iter()
        .find_map(|l| l.field.clone())
        .or_else(|| kind_marker(kind, text));
    Judged {
        kind,
        severity,
        leaks,
        facts,
        highlight,
    }
}

/// The first line of what matched the page's signature, to centre the evidence on.
fn kind_marker(kind: &PageKind, text: &str) -> Option<String> {
    let m = kind.pattern.find(text)?;
    let line = m.as_str().lines().next()?.trim();
    (!line.is_empty()).then(|| line.chars().take(60).collect())
}

/// Debug pages found at most per scan (each proves the same misconfiguration).
const MAX_FINDINGS: usize = 4;
/// Probes in flight at once.
const CONCURRENCY: usize = 4;

#[async_trait]
impl Check for DebugErrorPage {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let routes = mutable_routes(ctx);
        let limit = probe_limit(ctx.profile());
        let probes = plan(&routes, spec_probes(ctx, (limit / 3).max(2)), limit);
        let mut findings = Vec::new();
        let mut seen = HashSet::new();
        let mut sent = HashSet::new();
        for batch in probes.chunks(CONCURRENCY) {
            if findings.len() >= MAX_FINDINGS {
                break;
            }
            let pending: Vec<_> = batch.iter().map(|p| send(ctx, p)).collect();
            let answers = futures::stream::iter(pending)
                .buffer_unordered(CONCURRENCY)
                .collect::<Vec<_>>()
                .await;
            for (probe, answer) in answers {
                let ex = match answer {
                    Ok(ex) => ex,
                    Err(CheckError::Engine(e)) if e.is_transport() => {
                        tracing::debug!(url = %probe.url, error = %e, "error probe failed");
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                sent.insert(ex.request.url.clone());
                if let Some(f) = probe_finding(ctx, &probe, &ex, &mut seen) {
                    findings.push(f);
                }
            }
        }
        for ex in recorded_errors(ctx, &sent) {
            if findings.len() >= MAX_FINDINGS {
                break;
            }
            if let Some(f) = page_finding(ctx, &ex, None, &mut seen) {
                findings.push(f);
            }
        }
        findings.truncate(MAX_FINDINGS);
        Ok(findings)
    }
}

async fn send(ctx: &CheckCtx, probe: &Probe) -> (Probe, Result<Arc<Exchange>, CheckError>) {
    let mut req = ProbeRequest::get(probe.url.clone());
    if let Some(a) = probe.accept {
        req = req.header("accept", a);
    }
    if let Some(id) = &ctx.target().primary_identity {
        req = req.auth(Auth::Identity(id.clone()));
    }
    (probe.clone(), ctx.send(req).await)
}

/// A probe's answer as a finding, when it is an error page the route's normal answer
/// is not.
fn probe_finding(
    ctx: &CheckCtx,
    probe: &Probe,
    ex: &Exchange,
    seen: &mut HashSet<String>,
) -> Option<Finding> {
    if ex.response.status < 400 {
        return None;
    }
    let text = normalised(ex);
    let kind = recognise(&text)?;
    if normal_answer_matches(ctx, &probe.origin, kind) {
        return None;
    }
    page_finding(ctx, ex, Some(probe), seen).map(|f| {
        f.with_confidence(Confidence::Confirmed)
            .with_fact(format!("triggered by {}", probe.why))
    })
}

/// Whether the unmutated route already shows the same signature (then it is content,
/// such as documentation quoting a traceback, not an error page).
fn normal_answer_matches(ctx: &CheckCtx, origin: &Url, kind: &PageKind) -> bool {
    ctx.transcript()
        .iter()
        .filter(|e| e.request.url.path() == origin.path() && e.response.status < 400)
        .any(|e| recognise(&normalised(e)).is_some_and(|k| std::ptr::eq(k, kind)))
}

/// 5xx answers in the transcript that this check did not send.
fn recorded_errors(ctx: &CheckCtx, sent: &HashSet<Url>) -> Vec<Arc<Exchange>> {
    ctx.transcript()
        .into_iter()
        .filter(|e| e.response.status >= 500 && ctx.in_scope(&e.request.url))
        .filter(|e| e.check.as_ref() != Some(&META.id) && !sent.contains(&e.request.url))
        .collect()
}

fn page_finding(
    ctx: &CheckCtx,
    ex: &Exchange,
    probe: Option<&Probe>,
    seen: &mut HashSet<String>,
) -> Option<Finding> {
    let text = normalised(ex);
    let kind = recognise(&text)?;
    let location = Location::http("GET", ex.request.url.as_str());
    if !seen.insert(format!("{}|{}", location.stable_key(), kind.name)) {
        return None;
    }
    let j = judge(ctx, ex, kind, &text);
    let title = title(&j);
    let mut f = ctx
        .finding(ex, title, j.highlight.as_deref())
        .with_key(&kind.name)
        .with_severity(j.severity)
        .with_fact(format!(
            "{} answered {}",
            ex.request.url.path(),
            ex.response.status
        ));
    if probe.is_none() {
        f = f.with_fact("seen in a response recorded earlier in the scan");
    }
    for fact in &j.facts {
        f = f.with_fact(fact.clone());
    }
    f = leaked_secrets::with_leak_facts(f, &j.leaks);
    Some(crate::mask::leaked(f, &leaked_secrets::known(&j.leaks)))
}

fn title(j: &Judged) -> String {
    let mut names: Vec<&str> = Vec::new();
    for l in &j.leaks {
        if !names.contains(&l.name.as_str()) {
            names.push(&l.name);
        }
    }
    match names.len() {
        0 => j.kind.name.to_string(),
        1..=3 => format!("{} leaks {}", j.kind.name, names.join(", ")),
        n => format!(
            "{} leaks {}, … ({n} kinds of secrets)",
            j.kind.name,
            names[..3].join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::testkit::{exchange, serve, Fixture, RawRequest, RawResponse};
    use tollgate_core::Secret;

    const PAT: &str = "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";

    /// A trimmed-down Django technical 500 page with the planted environment.
    fn django_500(path: &str) -> String {
        format!(
            r#"<!DOCTYPE html><html><head><meta name="robots" content="NONE,NOARCHIVE"><title>ValueError at {path}</title></head>
<body><header id="summary"><h1>ValueError at {path}</h1>
<table><tr><th scope="row">Exception Value:</th><td><pre>Field &#x27;id&#x27; expected a number but got &#x27;abc&#x27;.</pre></td></tr></table></header>
<div id="traceback"><h2>Traceback</h2></div>
<h3 id="meta-info">META</h3><table class="req"><tbody>
<tr><td>DATABASE_URL</td><td class="code"><pre>&#x27;postgres://tollgate_app:Tg-db-P4ssw0rd-2024@db.internal.tollgate.test:5432/tollgate&#x27;</pre></td></tr>
<tr><td>DEPLOY_GITHUB_PAT</td><td class="code"><pre>&#x27;{PAT}&#x27;</pre></td></tr>
<tr><td>DOCKER_HOST</td><td class="code"><pre>&#x27;tcp://127.0.0.1:2375&#x27;</pre></td></tr>
<tr><td>HTTP_AUTHORIZATION</td><td class="code"><pre>&#x27;********************&#x27;</pre></td></tr>
</tbody></table>
<p>You’re seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p></body></html>"#
        )
    }

    /// Products 1..3 exist; anything else under /api/products/ crashes with the debug page.
    fn vulnerable(req: &RawRequest) -> RawResponse {
        let path = req.path.split('?').next().unwrap_or("").to_string();
        match path.as_str() {
            "/api/products/" | "/api/products/1/" => {
                RawResponse::new(200, r#"{"id":1}"#).header("content-type", "application/json")
            }
            p if p.starts_with("/api/products/") => {
                RawResponse::new(500, django_500(p)).header("content-type", "text/html")
            }
            _ => RawResponse::new(404, r#"{"detail":"Not found."}"#)
                .header("content-type", "application/json"),
        }
    }

    #[tokio::test]
    async fn probes_find_the_django_500_page_and_mask_its_secrets() {
        let addr = serve(vulnerable).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/api/products/")
            .route("/api/products/1/")
            .ctx(&META);
        let f = DebugErrorPage.run(&ctx).await.expect("run");
        assert!(!f.is_empty(), "no finding");
        let first = &f[0];
        assert_eq!(first.severity, Severity::Critical);
        assert_eq!(first.confidence, Confidence::Confirmed);
        assert!(
            first.title.starts_with("Django technical 500 page"),
            "{}",
            first.title
        );
        let all = serde_json::to_string(&f).expect("json");
        assert!(!all.contains(PAT), "the token leaked into the finding");
        assert!(!all.contains("Tg-db-P4ssw0rd-2024"), "the password leaked");
        assert!(
            !all.contains("tcp://127.0.0.1:2375"),
            "DOCKER_HOST unmasked"
        );
        assert!(all.contains("ghp_…RM6r"), "{all}");
        assert!(first
            .evidence
            .facts
            .iter()
            .any(|x| x.contains("DOCKER_HOST")));
        assert!(ctx.requests_made() <= probe_limit(crate::check::Profile::Standard) as u32);
    }

    #[tokio::test]
    async fn silent_when_errors_are_generic() {
        let addr = serve(|req: &RawRequest| {
            if req.path.contains("abc") || req.path.contains('.') {
                RawResponse::new(500, r#"{"detail":"Internal server error."}"#)
                    .header("content-type", "application/json")
            } else {
                RawResponse::new(404, r#"{"detail":"Not found."}"#)
            }
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/api/products/")
            .route("/api/products/7/?page=2")
            .ctx(&META);
        assert!(DebugErrorPage.run(&ctx).await.expect("run").is_empty());
        assert!(ctx.requests_made() > 3, "it did probe");
    }

    #[tokio::test]
    async fn documentation_quoting_a_traceback_is_not_an_error_page() {
        let page = "Traceback (most recent call last):\n  File \"app.py\", line 1";
        let addr = serve(move |_| RawResponse::new(400, page)).await;
        let base = format!("http://{addr}/docs/");
        let normal = exchange(HttpMethod::Get, &base, 200, &[], page);
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .route("/docs/")
            .recorded(normal)
            .ctx(&META);
        let f = DebugErrorPage.run(&ctx).await.expect("run");
        assert!(
            f.iter()
                .all(|f| !f.location.to_string().contains("/docs/abc")),
            "{f:?}"
        );
    }

    #[tokio::test]
    async fn own_token_on_the_page_is_critical_and_redacted() {
        let token = "canary-token-0123456789abcdef";
        let addr = serve(|req: &RawRequest| {
            let auth = req.header("authorization").unwrap_or("").to_string();
            RawResponse::new(
                500,
                format!("Traceback (most recent call last):\n  File \"/app/x.py\", line 3\nheaders: {auth}"),
            )
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer("alice", Secret::new(token)))
            .route("/api/items/")
            .ctx(&META);
        let f = DebugErrorPage.run(&ctx).await.expect("run");
        assert_eq!(f[0].severity, Severity::Critical);
        let all = serde_json::to_string(&f).expect("json");
        assert!(!all.contains(token));
    }

    #[test]
    fn page_kind_examples() {
        assert!(kinds().len() >= 13);
        for k in kinds() {
            assert!(
                !k.must_match.is_empty() && !k.must_not_match.is_empty(),
                "{}",
                k.name
            );
            for ex in &k.must_match {
                let got = recognise(ex).map(|g| g.name.as_str());
                assert_eq!(got, Some(k.name.as_str()), "{ex:?}");
            }
            for ex in &k.must_not_match {
                assert!(!k.pattern.is_match(ex), "{}: {ex:?}", k.name);
            }
        }
    }

    #[test]
    fn recognises_other_frameworks() {
        let cases = [
            ("The debugger caught an exception in your WSGI application", "Werkzeug"),
            ("<title>Starlette Debugger</title>", "Starlette"),
            ("TypeError: x is undefined\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)", "Node"),
            ("java.lang.NullPointerException: boom\n\tat com.example.Api.get(Api.java:42)", "Java"),
            ("<title>Action Controller: Exception caught</title>", "Rails"),
            ("Whoops, looks like something went wrong.", "Laravel"),
            ("<b>Fatal error</b>: Uncaught Error in /var/www/index.php on line 12", "PHP"),
            ("goroutine 1 [running]:\nmain.main()", "Go"),
            ("ERROR: syntax error at or near \"abc\"", "SQL"),
            ("Server Error in '/' Application.", "ASP.NET"),
        ];
        for (body, want) in cases {
            let text = html_unescape(body).replace("<br>", "\n");
            let got = recognise(&text).map(|k| k.name.as_str()).unwrap_or("none");
            assert!(got.contains(want), "{want}: got {got}");
        }
        assert!(recognise(r#"{"detail":"Internal server error."}"#).is_none());
    }

    /// Only the OpenAPI document names `/api/items/{id}` (an integer); nothing crawled.
    const TYPED_SPEC: &str = r#"{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{
      "/api/items/{id}":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"}}],
        "get":{"responses":{"200":{"description":"ok"}}}},
      "/api/pages/{slug}":{"get":{"parameters":[{"name":"slug","in":"path","required":true,"schema":{"type":"string"}}],
        "responses":{"200":{"description":"ok"}}}}}}"#;

    fn typed_path_server(leaks: bool) -> impl Fn(&RawRequest) -> RawResponse + Send + Sync {
        move |req| {
            match req.path.as_str() {
            "/api/items/abc" if leaks => RawResponse::new(
                500,
                "<pre>SyntaxError: Cannot convert abc to a BigInt<br> &nbsp; &nbsp;at BigInt (&lt;anonymous&gt;)<br> &nbsp; &nbsp;at /srv/app/lib/app.js:451:30<br></pre>",
            )
            .header("content-type", "text/html"),
            "/api/items/abc" => RawResponse::new(400, r#"{"error":"id must be an integer"}"#)
                .header("content-type", "application/json"),
            p if p.starts_with("/api/items/") => RawResponse::new(200, r#"{"id":1}"#)
                .header("content-type", "application/json"),
            _ => RawResponse::new(404, "{}"),
        }
        }
    }

    #[tokio::test]
    async fn malformed_documented_path_parameter_reaches_the_error_page() {
        let addr = serve(typed_path_server(true)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(TYPED_SPEC)
            .ctx(&META);
        let f = DebugErrorPage.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].title.starts_with("Node.js stack trace"),
            "{}",
            f[0].title
        );
        let facts = f[0].evidence.facts.join("\n");
        assert!(
            facts.contains("path parameter the OpenAPI document types"),
            "{facts}"
        );
        let probes = spec_probes(&ctx, 8);
        assert_eq!(probes.len(), 1, "the string slug is not probed");
        assert_eq!(probes[0].url.path(), "/api/items/abc");
    }

    #[tokio::test]
    async fn validated_documented_path_parameter_is_silent() {
        let addr = serve(typed_path_server(false)).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(TYPED_SPEC)
            .ctx(&META);
        assert!(DebugErrorPage.run(&ctx).await.expect("run").is_empty());
    }
}
