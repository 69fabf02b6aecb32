//! MISC-006: TRACE echoes the request back.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::ProbeRequest;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct TraceEnabled;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-006"),
    name: "HTTP TRACE enabled",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Medium,
    cwe: 693,
    owasp: Owasp::Api8,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Trace],
    budget: 1,
    docs: CheckDocs {
        what: "Sends one anonymous `TRACE` request carrying a random marker header and reports it when the response echoes the marker back. A 2xx without the echo is not reported.",
        why: "TRACE reflects every request header, including `Authorization` and cookies added by proxies or browsers, into a readable body. Combined with an XSS or a misconfigured proxy it lets an attacker read credentials that HttpOnly was meant to protect (cross-site tracing).",
        evidence: "TRACE / with `X-Tollgate-Trace: 8f3a…` → 200, body contains `X-Tollgate-Trace: 8f3a…`.",
        remediation: "Disable TRACE at the web server or proxy (nginx rejects it by default; Apache: `TraceEnable off`).",
        remediation_django: Some("Django itself answers TRACE with 405 on class-based views; the echo comes from a proxy or server in front. Disable it there (Apache `TraceEnable off`; for nginx, return 405 for `$request_method = TRACE`)."),
        references: &[
            "https://owasp.org/www-community/attacks/Cross_Site_Tracing",
            "https://cwe.mitre.org/data/definitions/693.html",
        ],
    },
};

#[async_trait]
impl Check for TraceEnabled {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let marker = format!("tollgate-{:016x}", fastrand::u64(..));
        let req = ProbeRequest::new(HttpMethod::Trace, ctx.target().url.clone())
            .header("x-tollgate-trace", marker.clone());
        let ex = ctx.send(req).await?;
        if !ex.response.is_success() || !ex.response.text().contains(&marker) {
            return Ok(Vec::new());
        }
        Ok(vec![ctx
            .finding(&ex, "TRACE echoes request headers", Some(&marker))
            .with_confidence(Confidence::Confirmed)
            .with_fact(
                "the random `X-Tollgate-Trace` marker came back in the body",
            )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    #[tokio::test]
    async fn fires_when_trace_echoes() {
        let addr = serve(|req| {
            let echo = format!(
                "TRACE {} HTTP/1.1\r\nx-tollgate-trace: {}\r\n",
                req.path,
                req.header("x-tollgate-trace").unwrap_or("")
            );
            RawResponse::new(200, echo).header("content-type", "message/http")
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert_eq!(TraceEnabled.run(&ctx).await.expect("run").len(), 1);
    }

    #[tokio::test]
    async fn silent_on_405_or_2xx_without_echo() {
        let addr = serve(|_| RawResponse::new(405, "Method Not Allowed")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(TraceEnabled.run(&ctx).await.expect("run").is_empty());
        let addr = serve(|_| RawResponse::new(200, "<html>home</html>")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(TraceEnabled.run(&ctx).await.expect("run").is_empty());
    }
}
