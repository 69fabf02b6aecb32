//! INV-004: operations the OpenAPI document marks deprecated still answer.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::engine::{Auth, ProbeRequest};
use crate::recon::spec::operation_url;
use async_trait::async_trait;
use std::collections::HashMap;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::Method;

pub struct DeprecatedLive;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INV-004"),
    name: "Deprecated operation still answers",
    category: Category::Inventory,
    severity: Severity::Low,
    cwe: 1059,
    owasp: Owasp::Api9,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 10,
    docs: CheckDocs {
        what: "Calls the GET operations the OpenAPI document marks `deprecated: true` (with example values for required parameters, as the primary identity when there is one) and reports those that answer with a success status and a body that is not the target's not-found page.",
        why: "Deprecated operations are kept alive for old clients and then forgotten: they miss new authorization rules, input validation and monitoring, yet stay reachable by anyone who reads the document.",
        evidence: "`GET /api/v2/debug/headers/` (deprecated in the document) → 200 with a JSON body.",
        remediation: "Give every deprecated operation a removal date, watch its traffic, and remove it (or answer 410 Gone) when the date comes; until then keep it under the same controls as its replacement.",
        remediation_django: Some("Remove the view's `path()` from the URLconf when its deprecation ends, or return `HttpResponseGone`; with drf-spectacular mark it with `@extend_schema(deprecated=True)` only while it is still supported."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/1059.html",
            "https://spec.openapis.org/oas/v3.1.0#operation-object",
        ],
    },
};

#[async_trait]
impl Check for DeprecatedLive {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let auth = ctx
            .target()
            .primary_identity
            .clone()
            .map_or(Auth::Anonymous, Auth::Identity);
        let ops = spec
            .model
            .operations
            .iter()
            .filter(|o| o.method == Method::Get && o.deprecated)
            .filter_map(|o| {
                Some((
                    o,
                    operation_url(&ctx.target().url, spec, o, &HashMap::new())?,
                ))
            })
            .take(META.budget as usize);
        let mut findings = Vec::new();
        for (op, url) in ops.collect::<Vec<_>>() {
            let ex = ctx.send(ProbeRequest::get(url).auth(auth.clone())).await?;
            if !ex.response.is_success() || api_support::is_missing(ctx, &ex) {
                continue;
            }
            let title = format!(
                "deprecated operation GET {} still answers (HTTP {})",
                op.path, ex.response.status
            );
            let id = op.operation_id.clone().unwrap_or_else(|| op.path.clone());
            findings.push(
                ctx.finding(&ex, title, None)
                    .with_confidence(Confidence::Confirmed)
                    .with_key(&op.path)
                    .with_fact(format!(
                        "`{id}` is marked `deprecated: true` at {}",
                        op.pointer
                    )),
            );
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const SPEC: &str = r#"{"openapi":"3.0.3","paths":{"/old/":{"get":{"deprecated":true}},"/gone/":{"get":{"deprecated":true}},"/new/":{"get":{}}}}"#;

    #[tokio::test]
    async fn reports_deprecated_operations_that_answer() {
        let addr = serve(|req| match req.path.as_str() {
            "/old/" | "/new/" => RawResponse::new(200, "{}"),
            "/gone/" => RawResponse::new(410, "gone"),
            _ => RawResponse::new(404, "nf"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        let f = DeprecatedLive.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].title.contains("/old/"));
        assert_eq!(
            ctx.requests_made(),
            2,
            "only deprecated operations are called"
        );
    }

    #[tokio::test]
    async fn silent_when_removed() {
        let addr = serve(|_| RawResponse::new(404, "nf")).await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .ctx(&META);
        assert!(DeprecatedLive.run(&ctx).await.expect("run").is_empty());
    }
}
