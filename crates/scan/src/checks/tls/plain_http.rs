//! TLS-002: the API answers over plain http without redirecting to https.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::{Exchange, ProbeRequest};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct PlainHttp;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("TLS-002"),
    name: "API served over plain HTTP without a redirect to HTTPS",
    category: Category::EncryptionTransport,
    severity: Severity::Medium,
    cwe: 319,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 1,
    docs: CheckDocs {
        what: "Requests the API over `http://` and reports an answer that is not a redirect to `https://`. For an http target that is the target itself; for an https target, tollgate probes the same host over http only when that origin was added with `--scope`, and otherwise notes the check as skipped.",
        why: "Every request over plain http carries its bearer token or cookie in clear text to anyone on the path: Wi-Fi, a corporate proxy, a compromised router. Clients that are configured with an http base URL keep sending tokens that way.",
        evidence: "GET http://api.example/ → 200 application/json (no redirect).",
        remediation: "Serve the API only over HTTPS. Answer plain http with `301`/`308` to the https URL (or do not listen on port 80 at all) and send HSTS.",
        remediation_django: Some("Set `SECURE_SSL_REDIRECT = True` (and `SECURE_PROXY_SSL_HEADER` when TLS ends at a proxy), or redirect at the proxy. Add HSTS with `SECURE_HSTS_SECONDS`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/319.html",
        ],
    },
};

/// The plain-http URL to probe, or why there is none.
fn http_url(ctx: &CheckCtx) -> Result<Url, CheckError> {
    let target = &ctx.target().url;
    if target.scheme() == "http" {
        return Ok(target.clone());
    }
    let mut url = target.clone();
    let _ = url.set_scheme("http");
    let _ = url.set_port(None);
    if ctx.in_scope(&url) {
        Ok(url)
    } else {
        Err(CheckError::Skipped(format!(
            "plain http is a different origin; add `--scope {}` to test it",
            url.origin().ascii_serialization()
        )))
    }
}

fn redirects_to_https(ex: &Exchange) -> bool {
    (300..400).contains(&ex.response.status)
        && ex
            .response
            .header("location")
            .is_some_and(|l| l.trim_start().to_ascii_lowercase().starts_with("https://"))
}

#[async_trait]
impl Check for PlainHttp {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let url = http_url(ctx)?;
        let ex = ctx.send(ProbeRequest::get(url)).await?;
        if redirects_to_https(&ex) || ex.response.status >= 500 {
            return Ok(Vec::new());
        }
        Ok(vec![ctx
            .finding(&ex, "The API answers over plain HTTP", None)
            .with_confidence(Confidence::Confirmed)
            .with_fact(format!(
                "http request answered with {} instead of a redirect to https",
                ex.response.status
            ))])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    #[tokio::test]
    async fn fires_when_http_answers() {
        let addr = serve(|_| RawResponse::new(200, "{}")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert_eq!(PlainHttp.run(&ctx).await.expect("run").len(), 1);
    }

    #[tokio::test]
    async fn silent_when_redirected_to_https() {
        let addr =
            serve(|_| RawResponse::new(301, "").header("location", "https://api.example/")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(PlainHttp.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn https_target_without_http_scope_is_skipped() {
        let (_e, ctx) = Fixture::new("https://127.0.0.1:9/").ctx(&META);
        assert!(matches!(
            PlainHttp.run(&ctx).await,
            Err(CheckError::Skipped(_))
        ));
    }
}
