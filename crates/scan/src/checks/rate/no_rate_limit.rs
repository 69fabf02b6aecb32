//! RATE-002: a short burst meets no rate limit.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::engine::{Exchange, ProbeRequest};
use crate::recon::spec::operation_url;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::Method;
use url::Url;

pub struct NoRateLimit;

/// Requests in the burst.
const BURST: u32 = 50;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("RATE-002"),
    name: "No rate limiting",
    category: Category::RateLimitingResourceConsumption,
    severity: Severity::Low,
    cwe: 770,
    owasp: Owasp::Api4,
    safety: SafetyClass::Intrusive,
    methods: &[HttpMethod::Get],
    budget: BURST,
    docs: CheckDocs {
        what: "Intrusive (runs with `--allow intrusive`): sends a burst of 50 anonymous GETs, at the scan's rate limit, to one public read operation (the first the OpenAPI document marks public, else the target itself). Reported when no answer is a 429 and none carries rate-limit headers (`RateLimit`, `RateLimit-*`, `X-RateLimit-*`, `Retry-After`). A limit higher than 50 requests is not seen, so the finding is tentative.",
        why: "Without a limit one client can scrape the whole API, brute-force logins and one-time codes, or exhaust workers. Limit headers also tell well-behaved clients how to back off.",
        evidence: "50 × `GET /api/v2/products/` in about a second → 50 × 200, no 429, no `RateLimit`/`X-RateLimit-*` header.",
        remediation: "Limit requests per client (token, key or IP) at the gateway or in the application, answer 429 with `Retry-After` past the limit, and advertise the limit in `RateLimit` headers.",
        remediation_django: Some("Enable DRF throttling: `DEFAULT_THROTTLE_CLASSES` (`AnonRateThrottle`, `UserRateThrottle`) with `DEFAULT_THROTTLE_RATES`, backed by a shared cache (Redis) in production; stricter scoped throttles on login and token endpoints."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa4-unrestricted-resource-consumption/",
            "https://cwe.mitre.org/data/definitions/770.html",
            "https://www.django-rest-framework.org/api-guide/throttling/",
        ],
    },
};

const LIMIT_HEADERS: &[&str] = &[
    "ratelimit",
    "ratelimit-",
    "x-ratelimit-",
    "x-rate-limit-",
    "retry-after",
];

fn limited(ex: &Exchange) -> bool {
    ex.response.status == 429
        || ex.response.headers.iter().any(|(k, _)| {
            let k = k.to_ascii_lowercase();
            LIMIT_HEADERS
                .iter()
                .any(|h| k == *h || (h.ends_with('-') && k.starts_with(h)))
        })
}

/// The first public, untemplated read operation of the document, else the target.
fn burst_url(ctx: &CheckCtx) -> Url {
    let target = &ctx.target().url;
    api_support::spec(ctx)
        .and_then(|spec| {
            spec.model
                .operations
                .iter()
                .filter(|o| o.method == Method::Get && !o.is_templated() && o.allows_anonymous())
                .find_map(|o| operation_url(target, spec, o, &HashMap::new()))
        })
        .unwrap_or_else(|| target.clone())
}

#[async_trait]
impl Check for NoRateLimit {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let url = burst_url(ctx);
        // A distinct header per request, so the engine's de-duplication sends them all.
        let requests = (0..BURST).map(|i| {
            ctx.send(ProbeRequest::get(url.clone()).header("x-tollgate-burst", i.to_string()))
        });
        let answers: Vec<Arc<Exchange>> = futures::future::join_all(requests)
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        if answers.iter().any(|e| limited(e)) || answers.iter().all(|e| !e.response.is_success()) {
            return Ok(Vec::new());
        }
        let Some(last) = answers.last() else {
            return Ok(Vec::new());
        };
        let secs = answers
            .iter()
            .map(|e| e.response.elapsed.as_secs_f64())
            .fold(0.0, f64::max);
        let ok = answers.iter().filter(|e| e.response.is_success()).count();
        Ok(vec![ctx
            .finding(
                last,
                format!("{BURST} requests to {} met no rate limit", url.path()),
                None,
            )
            .with_confidence(Confidence::Tentative)
            .with_fact(format!(
                "{ok} of {BURST} answered 2xx, none 429 (slowest {secs:.2} s)"
            ))
            .with_fact(
                "no RateLimit, X-RateLimit-* or Retry-After header in any answer",
            )])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    #[tokio::test]
    async fn fires_without_limits() {
        let addr = serve(|_| RawResponse::new(200, "[]")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = NoRateLimit.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert_eq!(ctx.requests_made(), BURST);
    }

    #[tokio::test]
    async fn silent_with_headers_or_429() {
        let addr = serve(|_| RawResponse::new(200, "[]").header("X-RateLimit-Limit", "1000")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(NoRateLimit.run(&ctx).await.expect("run").is_empty());
        // A 429 counts as a limit (recorded: the engine backs off on 429, slowly).
        let ex = crate::testkit::exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/",
            429,
            &[],
            "slow down",
        );
        assert!(limited(&ex));
        let ex = crate::testkit::exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/",
            200,
            &[("RateLimit-Policy", "100;w=60")],
            "",
        );
        assert!(limited(&ex));
    }
}
