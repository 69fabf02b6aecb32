//! AUTH-006: authentication enforced on GET but not on HEAD.

use crate::check::{Check, CheckCtx, CheckError, Phase};
use crate::engine::{Exchange, ProbeRequest};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct MethodAuthBypass;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-006"),
    name: "Authentication enforced on GET but not on HEAD",
    category: Category::Authentication,
    severity: Severity::Medium,
    cwe: 650,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Head],
    budget: 10,
    docs: CheckDocs {
        what: "Routes whose anonymous GET was refused (401/403) are requested anonymously with HEAD, which must be refused the same way. A 2xx answer to HEAD means the handler ran without authentication. Runs after the other checks, over the refused GETs they recorded (at most ten routes). State-changing methods are not sent: tollgate stays read-only unless `--allow intrusive`.",
        why: "Authorization that is configured per method (`if request.method == 'GET': check_token()`, a proxy rule that matches only GET, a route table that maps HEAD to the GET handler but skips its middleware) lets the same handler run for anyone who picks another method. HEAD runs the GET handler: its side effects, its timing and its headers (Content-Length, ETag) leak what the protected resource holds.",
        evidence: "GET /api/v2/orders/ → 401; HEAD /api/v2/orders/ → 200 with `Content-Length: 5123`.",
        remediation: "Enforce authentication before routing by method: in middleware or a decorator that applies to every method, and deny by default. Test each route with every method it answers.",
        remediation_django: Some("Use DRF `permission_classes` (e.g. `IsAuthenticated`) or `LoginRequiredMixin` on the view, which apply to every method, rather than checks inside `get()`; don't special-case `request.method` in custom middleware."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://cwe.mitre.org/data/definitions/650.html",
        ],
    },
};

/// Anonymous GETs the target refused, one per URL.
fn refused_gets(ctx: &CheckCtx) -> Vec<Arc<Exchange>> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for ex in ctx.transcript() {
        let refused = matches!(ex.response.status, 401 | 403);
        let anon_get = ex.request.method == HttpMethod::Get
            && ex.request.identity.is_none()
            && !ex.request.headers.iter().any(|(k, _)| k == "authorization");
        if refused && anon_get && ctx.in_scope(&ex.request.url) && !seen.contains(&ex.request.url) {
            seen.push(ex.request.url.clone());
            out.push(ex);
        }
    }
    out
}

#[async_trait]
impl Check for MethodAuthBypass {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn phase(&self) -> Phase {
        Phase::Analysis
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings = Vec::new();
        for get in refused_gets(ctx).into_iter().take(META.budget as usize) {
            let head = ctx
                .send(ProbeRequest::new(HttpMethod::Head, get.request.url.clone()))
                .await?;
            if head.response.is_success() {
                let f = ctx
                    .finding(
                        &head,
                        "HEAD answers without authentication where GET is refused",
                        None,
                    )
                    .with_confidence(Confidence::Confirmed)
                    .with_fact(format!("anonymous GET → {}", get.response.status))
                    .with_fact(format!("anonymous HEAD → {}", head.response.status));
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, serve, Fixture, RawResponse};

    async fn run(head_status: u16) -> (Vec<Finding>, u32) {
        let addr = serve(move |req| match req.method.as_str() {
            "HEAD" => RawResponse::new(head_status, ""),
            _ => RawResponse::new(401, "{\"detail\":\"no\"}"),
        })
        .await;
        let url = format!("http://{addr}/api/orders/");
        let refused = exchange(
            HttpMethod::Get,
            &url,
            401,
            &[("www-authenticate", "Bearer")],
            "{}",
        );
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .recorded(refused)
            .ctx(&META);
        let f = MethodAuthBypass.run(&ctx).await.expect("run");
        (f, ctx.requests_made())
    }

    #[tokio::test]
    async fn fires_when_head_bypasses_auth() {
        let (f, sent) = run(200).await;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].confidence, Confidence::Confirmed);
        assert_eq!(sent, 1);
    }

    #[tokio::test]
    async fn silent_when_head_is_refused_too() {
        assert!(run(401).await.0.is_empty());
    }

    #[tokio::test]
    async fn sends_nothing_without_refused_gets() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").ctx(&META);
        assert!(MethodAuthBypass.run(&ctx).await.expect("run").is_empty());
        assert_eq!(ctx.requests_made(), 0);
    }
}
