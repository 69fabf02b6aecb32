//! RATE-003: the target sends very large responses to ordinary requests.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_surface;
use crate::checks::kit::common::target_responses;
use async_trait::async_trait;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};

pub struct LargeResponses;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("RATE-003"),
    name: "Very large responses",
    category: Category::RateLimitingResourceConsumption,
    severity: Severity::Low,
    cwe: 400,
    owasp: Owasp::Api4,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reads the scan's recorded answers and reports routes whose answer to an ordinary GET (not one of tollgate's own oversized-page probes) was 1 MiB or more, or was cut at the scan's body cap. Static assets (scripts, stylesheets, images, fonts; by content type or extension) and HTML pages are not API operations and are ignored. Sends nothing.",
        why: "Endpoints that return everything at once cost the server memory and CPU per call and let any client pull the whole data set in a few requests; they are the cheapest denial-of-service lever an API offers.",
        evidence: "`GET /api/export/` → 200 with a 38 MiB JSON array (cut at the 1 MiB body cap).",
        remediation: "Paginate list answers with a server-side maximum, stream or export large data sets through an asynchronous job, and set response size limits at the gateway.",
        remediation_django: Some("Add a DRF pagination class with `max_page_size` to every list view (`DEFAULT_PAGINATION_CLASS`), and move bulk exports to a background task that delivers a file."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
            "https://cwe.mitre.org/data/definitions/400.html",
        ],
    },
};

/// Bytes from which an answer counts as very large.
const LARGE: usize = 1024 * 1024;

/// Whether a recorded request was a deliberate oversized probe of another check.
fn is_size_probe(check: Option<&CheckId>) -> bool {
    check.is_some_and(|c| c.as_str().starts_with("RATE-"))
}

#[async_trait]
impl Check for LargeResponses {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut seen = BTreeSet::new();
        let mut findings = Vec::new();
        for ex in target_responses(ctx) {
            let size = ex.response.body.len();
            let big = ex.response.is_success() && (size >= LARGE || ex.response.truncated);
            if !big
                || is_size_probe(ex.check.as_ref())
                || !api_surface::is_api_answer(&ex)
                || !seen.insert(ex.request.url.path().to_string())
            {
                continue;
            }
            let cut = if ex.response.truncated {
                " (cut at the body cap)"
            } else {
                ""
            };
            let title = format!(
                "GET {} returned {:.1} MiB{cut}",
                ex.request.url.path(),
                size as f64 / 1_048_576.0
            );
            let length = ex.response.header("content-length").map(str::to_string);
            let mut f = ctx
                .finding(&ex, title, None)
                .with_confidence(Confidence::Firm)
                .with_key(ex.request.url.path());
            if let Some(len) = length {
                f = f.with_fact(format!("Content-Length: {len}"));
            }
            findings.push(f);
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    #[tokio::test]
    async fn reports_large_and_truncated_answers() {
        let big = "x".repeat(LARGE + 10);
        let mut cut = exchange(HttpMethod::Get, "http://127.0.0.1:9/b", 200, &[], "[1,2");
        cut.response.truncated = true;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .recorded(exchange(
                HttpMethod::Get,
                "http://127.0.0.1:9/a",
                200,
                &[],
                &big,
            ))
            .recorded(cut)
            .ctx(&META);
        let f = LargeResponses.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 2);
        assert!(f[1].title.contains("cut at the body cap"));
    }

    #[tokio::test]
    async fn silent_on_small_answers_and_own_probes() {
        let big = "x".repeat(LARGE + 10);
        let mut probe = exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/a?page_size=10000",
            200,
            &[],
            &big,
        );
        probe.check = Some(CheckId::new_static("RATE-001"));
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .recorded(exchange(
                HttpMethod::Get,
                "http://127.0.0.1:9/s",
                200,
                &[],
                "[]",
            ))
            .recorded(probe)
            .ctx(&META);
        assert!(LargeResponses.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn silent_on_large_static_assets_and_html_pages() {
        let big = "x".repeat(LARGE + 10);
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .recorded(exchange(
                HttpMethod::Get,
                "http://127.0.0.1:9/static/vendor.js",
                200,
                &[("content-type", "application/javascript")],
                &big,
            ))
            .recorded(exchange(
                HttpMethod::Get,
                "http://127.0.0.1:9/img/hero",
                200,
                &[("content-type", "image/png")],
                &big,
            ))
            .recorded(exchange(
                HttpMethod::Get,
                "http://127.0.0.1:9/blog/archive/",
                200,
                &[("content-type", "text/html; charset=utf-8")],
                &format!("<!doctype html><html>{big}</html>"),
            ))
            .ctx(&META);
        assert!(LargeResponses.run(&ctx).await.expect("run").is_empty());
    }
}
