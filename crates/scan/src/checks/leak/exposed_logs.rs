//! LEAK-005: log files served over HTTP, and the tokens in them.
//!
//! Log paths come from discovery (routes ending in `.log`), a bounded list of usual
//! places, and directory listings such as `/logs/`. A file counts only when it
//! differs from the soft-404 baseline and reads like a log (timestamps, request
//! lines), or, whatever its shape, carries credentials. A log carrying
//! `Authorization` headers or other credentials is critical.

use crate::check::{Check, CheckCtx, CheckError, Profile};
use crate::checks::kit::common::is_html;
use crate::checks::kit::leaked_secrets::{self, Leaked};
use crate::engine::Exchange;
use async_trait::async_trait;
use futures::StreamExt;
use regex::Regex;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct ExposedLogs;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("LEAK-005"),
    name: "Exposed log file (tokens in logs)",
    category: Category::DataExposure,
    severity: Severity::Critical,
    cwe: 532,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 32,
    docs: CheckDocs {
        what: "Fetches log files anonymously: routes discovery found that end in `.log`, usual places (`/logs/access.log`, `/logs/error.log`, `/access.log`, `/debug.log`, `/storage/logs/laravel.log`, `nohup.out`, …: 5 in the quick profile, 16 in standard, 23 in deep) and up to 3 log files linked from a `/logs/` or `/log/` directory listing. A file counts when it is a success, differs from the soft-404 baseline, is not an HTML page, and either reads like a log (timestamped or HTTP request lines) or carries a credential whatever its shape (a bare list of `Authorization: Bearer …` lines is still a token leak). It is then searched for `Authorization` headers, bearer and Basic credentials, JWTs (with their subject and expiry), tokens in URLs and other secrets.",
        why: "Logs that print request headers or full URLs collect every user's credentials in one file. Served over HTTP, anyone can replay the administrator's bearer token from it until it expires, without guessing or cracking anything.",
        evidence: "GET /logs/access.log → 200 text/plain, 40 lines like `\"GET /api/v2/me/ HTTP/1.1\" 200 … \"Authorization: Bearer eyJ…KMw\"`; 2 distinct JWTs (sub=1 admin, sub=3 bob), not expired.",
        remediation: "Never log `Authorization`, `Cookie` or token-bearing query strings (mask them in the log formatter), keep log files outside any served directory, and turn off directory listings. Revoke every token the log contained and shorten token lifetimes.",
        remediation_django: Some("Do not serve the log directory (no `static()`/`serve` view over it, not under `STATIC_ROOT`). In `LOGGING`, add a filter that drops or masks `HTTP_AUTHORIZATION`/`Authorization` and `access_token` parameters; custom middleware that logs `request.headers` must skip credentials. With SimpleJWT, blacklist or rotate exposed refresh tokens and shorten `ACCESS_TOKEN_LIFETIME`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/532.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html",
        ],
    },
};

const TABLE_TOML: &str = include_str!("exposed_logs.toml");

/// `exposed_logs.toml`: log locations, listings, and the patterns of a log.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    paths: Vec<Place>,
    listings: Vec<Place>,
    log_line: Pattern,
    authorization_line: Pattern,
    listing_link: Pattern,
}

/// A path and the lowest profile that requests it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Place {
    path: String,
    profile: String,
}

impl Place {
    fn wanted(&self, profile: Profile) -> bool {
        self.profile
            .parse::<Profile>()
            .is_ok_and(|lowest| lowest <= profile)
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Pattern {
    #[serde(deserialize_with = "crate::checks::kit::tables::regex")]
    pattern: Regex,
    #[cfg_attr(not(test), allow(dead_code))]
    must_match: Vec<String>,
    #[cfg_attr(not(test), allow(dead_code))]
    must_not_match: Vec<String>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str(TABLE_TOML).expect("exposed_logs.toml is valid (checked by a test)")
    })
}

/// Discovered `.log` routes and listing links fetched at most.
const FROM_ROUTES: usize = 4;
const FROM_LISTING: usize = 3;
const CONCURRENCY: usize = 6;

/// Whether the text reads like a log: at least two of its first 200 lines carry a
/// timestamp or an HTTP request line.
fn looks_like_log(text: &str) -> bool {
    let line = &table().log_line.pattern;
    let head = text
        .trim_start()
        .get(..32)
        .unwrap_or("")
        .to_ascii_lowercase();
    !head.starts_with("<!doctype")
        && !head.starts_with("<html")
        && text.lines().take(200).filter(|l| line.is_match(l)).count() >= 2
}

/// Lines that carry an `Authorization` header value.
fn authorization_lines(text: &str) -> usize {
    let auth = &table().authorization_line.pattern;
    text.lines().filter(|l| auth.is_match(l)).count()
}

/// Log files linked from a directory listing.
fn listed_logs(ex: &Exchange) -> Vec<Url> {
    let href = &table().listing_link.pattern;
    let text = ex.response.text();
    if !(text.contains("Index of /") || text.contains("Directory listing for")) {
        return Vec::new();
    }
    href.captures_iter(&text)
        .filter_map(|c| ex.request.url.join(c.get(1)?.as_str()).ok())
        .take(FROM_LISTING)
        .collect()
}

/// Candidate log URLs for the profile: discovered `.log` routes first.
fn candidates(ctx: &CheckCtx) -> Vec<Url> {
    let profile = ctx.profile();
    let mut out: Vec<Url> = ctx
        .target()
        .routes
        .iter()
        .filter(|u| u.path().ends_with(".log") || u.path().ends_with(".out"))
        .take(FROM_ROUTES)
        .cloned()
        .collect();
    for place in table().paths.iter().filter(|p| p.wanted(profile)) {
        let url = ctx.url(&place.path);
        if !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

async fn fetch_all(ctx: &CheckCtx, urls: Vec<Url>) -> Result<Vec<Arc<Exchange>>, CheckError> {
    let pending: Vec<_> = urls.into_iter().map(|u| ctx.get(u)).collect();
    let answers = futures::stream::iter(pending)
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut out = Vec::new();
    for a in answers {
        match a {
            Ok(ex) => out.push(ex),
            Err(CheckError::Engine(e)) if e.is_transport() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Whether the answer is a real file, not the target's "not found".
fn present(ctx: &CheckCtx, ex: &Exchange) -> bool {
    ex.response.is_success()
        && !ex.response.body.is_empty()
        && !ctx
            .target()
            .soft404
            .is_missing(ex.request.url.path(), &ex.response)
}

#[async_trait]
impl Check for ExposedLogs {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let listings: Vec<Url> = table()
            .listings
            .iter()
            .filter(|p| p.wanted(ctx.profile()))
            .map(|p| ctx.url(&p.path))
            .collect();
        let mut urls = candidates(ctx);
        for ex in fetch_all(ctx, listings).await? {
            if present(ctx, &ex) {
                urls.extend(listed_logs(&ex).into_iter().filter(|u| ctx.in_scope(u)));
            }
        }
        let mut seen = HashSet::new();
        urls.retain(|u| seen.insert(u.clone()));
        let mut findings: Vec<Finding> = fetch_all(ctx, urls)
            .await?
            .iter()
            .filter(|ex| present(ctx, ex) && !is_html(ex))
            .filter_map(|ex| finding(ctx, ex))
            .collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Ok(findings)
    }
}

/// The finding for a served file at a log location: one that reads like a log, or
/// one of any shape that carries credentials (a credential in an exposed file counts
/// whatever the file looks like).
fn finding(ctx: &CheckCtx, ex: &Exchange) -> Option<Finding> {
    let text = ex.response.text();
    let log_shaped = looks_like_log(&text);
    let leaks: Vec<Leaked> = leaked_secrets::find_leaks(&text, ctx.redactor(), &[])
        .into_iter()
        .filter(|l| l.kind != tollgate_secrets::Kind::Pii)
        .collect();
    let auth_lines = authorization_lines(&text);
    let redactor = ctx.redactor();
    let own = leaked_secrets::own_credentials(&text, redactor).max(usize::from(
        leaked_secrets::shows_own_credential(&text, redactor),
    ));
    let credentials = leaks.iter().filter(|l| l.is_credential()).count() + own;
    if !log_shaped && auth_lines == 0 && credentials == 0 {
        return None;
    }
    let severity = if auth_lines > 0 || credentials > 0 {
        Severity::Critical
    } else {
        Severity::Medium.max(leaked_secrets::worst(&leaks).unwrap_or(Severity::Info))
    };
    let title = match (auth_lines, credentials) {
        (0, 0) => "Exposed log file".to_string(),
        (0, n) => format!("Exposed log file contains {n} credential(s)"),
        (_, n) => format!("Exposed log file contains {n} credential(s) from Authorization headers"),
    };
    let highlight = ["Authorization: ", "authorization: ", "Authorization"]
        .into_iter()
        .find(|h| text.contains(h));
    let mut f = ctx
        .finding(ex, title, highlight)
        .with_key(ex.request.url.path())
        .with_severity(severity)
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "{} answered {} with {} log lines; the soft-404 baseline differs",
            ex.request.url.path(),
            ex.response.status,
            text.lines().count()
        ));
    if !log_shaped {
        f = f.with_fact(
            "the file has no timestamps or request lines, but the credentials in it are real",
        );
    }
    if auth_lines > 0 {
        f = f.with_fact(format!(
            "{auth_lines} line(s) carry an Authorization header"
        ));
    }
    if own > 0 {
        f = f.with_fact(format!(
            "{own} of them are credentials tollgate was given for this scan (shown as $TOKEN): the log hands them to anyone"
        ));
    }
    f = leaked_secrets::with_leak_facts(f, &leaks);
    Some(leaked_secrets::whole_lines(crate::mask::leaked(
        f,
        &leaked_secrets::known(&leaks),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_examples() {
        let t = table();
        assert!(t.paths.len() >= 20 && !t.listings.is_empty());
        for place in t.paths.iter().chain(&t.listings) {
            assert!(place.profile.parse::<Profile>().is_ok(), "{}", place.path);
            assert!(place.path.starts_with('/'), "{}", place.path);
        }
        for (name, p) in [
            ("log_line", &t.log_line),
            ("authorization_line", &t.authorization_line),
            ("listing_link", &t.listing_link),
        ] {
            assert!(
                !p.must_match.is_empty() && !p.must_not_match.is_empty(),
                "{name}"
            );
            for ex in &p.must_match {
                assert!(p.pattern.is_match(ex), "{name}: {ex:?}");
            }
            for ex in &p.must_not_match {
                assert!(!p.pattern.is_match(ex), "{name}: {ex:?}");
            }
        }
    }
    use crate::testkit::{serve, Fixture, RawRequest, RawResponse};

    const JWT_ADMIN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3IiwiZXhwIjo0MTAyNDQ0ODAwfQ.bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok";

    fn access_log() -> String {
        format!(
            "10.0.3.20 - - [29/Nov/2026:00:16:05 +0000] \"GET /api/v2/products/?page=1 HTTP/1.1\" 200 6120 \"-\" \"python-requests/2.31.0\" \"-\"\n\
             10.0.3.22 - - [29/Nov/2026:00:19:19 +0000] \"GET /api/v2/me/ HTTP/1.1\" 200 241 \"-\" \"python-requests/2.31.0\" \"Authorization: Bearer {JWT_ADMIN}\"\n"
        )
    }

    fn routes(req: &RawRequest) -> RawResponse {
        match req.path.as_str() {
            "/logs/access.log" => {
                RawResponse::new(200, access_log()).header("content-type", "text/plain")
            }
            "/logs/" => RawResponse::new(
                200,
                "<html><title>Index of /logs</title><a href=\"app.log\">app.log</a></html>",
            )
            .header("content-type", "text/html"),
            "/logs/app.log" => RawResponse::new(
                200,
                "2026-11-29 00:00:01 INFO started\n2026-11-29 00:00:02 INFO ready\n",
            ),
            _ => RawResponse::new(404, "not found"),
        }
    }

    #[tokio::test]
    async fn bearer_tokens_in_an_access_log_are_critical_and_masked() {
        let addr = serve(routes).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = ExposedLogs.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].title.contains("Authorization"), "{}", f[0].title);
        assert_eq!(
            f[1].severity,
            Severity::Medium,
            "a plain log linked from the listing"
        );
        let all = serde_json::to_string(&f).expect("json");
        assert!(!all.contains(JWT_ADMIN));
        assert!(
            !all.contains("bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok"),
            "signature shown"
        );
        assert!(
            all.contains("sub=7") && all.contains("not expired"),
            "{all}"
        );
        assert!(ctx.requests_made() <= META.budget);
    }

    #[tokio::test]
    async fn a_log_holding_the_scanners_own_token_is_critical() {
        use crate::engine::Identity;
        use tollgate_core::Secret;
        let addr = serve(routes).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer("admin", Secret::new(JWT_ADMIN)))
            .ctx(&META);
        let f = ExposedLogs.run(&ctx).await.expect("run");
        assert_eq!(f[0].severity, Severity::Critical);
        let all = serde_json::to_string(&f).expect("json");
        assert!(all.contains("tollgate was given"), "{all}");
        assert!(!all.contains("bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok"));
    }

    #[tokio::test]
    async fn catch_all_server_reports_nothing() {
        let (_e, ctx) = leaked_secrets::tests::ctx_with_baseline(&META, |_| {
            RawResponse::new(200, "<!doctype html><html><body>app shell</body></html>")
                .header("content-type", "text/html")
        })
        .await;
        assert!(ctx.target().soft404.is_catch_all());
        assert!(ExposedLogs.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn catch_all_serving_the_same_log_everywhere_reports_nothing() {
        let (_e, ctx) = leaked_secrets::tests::ctx_with_baseline(&META, |_| {
            RawResponse::new(200, access_log()).header("content-type", "text/plain")
        })
        .await;
        assert!(ExposedLogs.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn a_text_page_that_is_not_a_log_is_ignored() {
        let addr = serve(|_| RawResponse::new(200, "Welcome\nNothing to see here.\n")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(ExposedLogs.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn bare_authorization_lines_without_timestamps_are_a_token_leak() {
        let addr = serve(|req| match req.path.as_str() {
            "/logs/access.log" => RawResponse::new(
                200,
                format!(
                    "GET /api/v2/me/\nAuthorization: Bearer {JWT_ADMIN}\nGET /api/v2/orders/\n"
                ),
            )
            .header("content-type", "text/plain"),
            _ => RawResponse::new(404, "not found"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(!looks_like_log(&format!(
            "Authorization: Bearer {JWT_ADMIN}\n"
        )));
        let f = ExposedLogs.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].title.contains("Authorization"), "{}", f[0].title);
        let all = serde_json::to_string(&f).expect("json");
        assert!(!all.contains("bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok"));
    }

    #[tokio::test]
    async fn a_shapeless_file_without_credentials_is_ignored() {
        let addr = serve(|req| match req.path.as_str() {
            "/logs/access.log" => RawResponse::new(200, "GET /api/v2/me/\nGET /api/v2/orders/\n")
                .header("content-type", "text/plain"),
            _ => RawResponse::new(404, "not found"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(ExposedLogs.run(&ctx).await.expect("run").is_empty());
    }

    #[test]
    fn log_shape() {
        assert!(looks_like_log(&access_log()));
        assert!(!looks_like_log("just one line 2024-01-01 10:00:00"));
        assert_eq!(authorization_lines(&access_log()), 1);
    }
}
