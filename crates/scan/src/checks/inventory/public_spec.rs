//! INV-003: the OpenAPI document is served to anonymous callers.

use crate::check::{Check, CheckCtx, CheckError};
use crate::engine::{Exchange, ProbeRequest};
use crate::recon::spec::{parse_response, WELL_KNOWN_PATHS};
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::ApiModel;

pub struct PublicSpec;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INV-003"),
    name: "OpenAPI document publicly reachable",
    category: Category::Inventory,
    severity: Severity::Info,
    cwe: 200,
    owasp: Owasp::Api9,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 14,
    docs: CheckDocs {
        what: "Reports an OpenAPI or Swagger document the target serves without authentication: the one discovery followed a link to, or one at the usual paths (`/openapi.json`, `/swagger.json`, `/api/schema/`, `/v3/api-docs`, …). The finding says how many operations it describes and how many of them require authentication. Informational: publishing a document can be deliberate.",
        why: "A public document is the attacker's map: every route, parameter and object shape, including admin and internal operations. Fine for a public API; a leak for an internal one.",
        evidence: "`GET /api/schema/openapi.json` (anonymous) → 200, OpenAPI 3.0.3, 13 operations, 10 of them requiring a bearer token.",
        remediation: "Decide whether the document is public. If it is not, serve it only to authenticated developers (or not at all in production) and strip internal operations from the published copy.",
        remediation_django: Some("With drf-spectacular, set `SERVE_PERMISSIONS = [\"rest_framework.permissions.IsAdminUser\"]` (or `SERVE_PUBLIC = False`) in `SPECTACULAR_SETTINGS`, or leave `SpectacularAPIView` out of the production URLconf."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/200.html",
            "https://drf-spectacular.readthedocs.io/en/latest/settings.html",
        ],
    },
};

#[async_trait]
impl Check for PublicSpec {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        // The document seeding found, if it was fetched anonymously.
        let served = ctx.target().spec.as_ref().and_then(|s| s.served_at.clone());
        if let Some(url) = served {
            let ex = ctx.send(ProbeRequest::get(url)).await?;
            if let Some(model) = parse_response(&ex) {
                return Ok(vec![finding(ctx, &ex, &model)]);
            }
        }
        for path in WELL_KNOWN_PATHS {
            let ex = ctx.send(ProbeRequest::get(ctx.url(path))).await?;
            if let Some(model) = parse_response(&ex) {
                return Ok(vec![finding(ctx, &ex, &model)]);
            }
        }
        Ok(Vec::new())
    }
}

fn finding(ctx: &CheckCtx, ex: &Arc<Exchange>, model: &ApiModel) -> Finding {
    let secured = model
        .operations
        .iter()
        .filter(|o| !o.allows_anonymous())
        .count();
    let title = format!(
        "{} document served to anonymous callers at {} ({} operations)",
        model.version,
        ex.request.url.path(),
        model.operations.len()
    );
    ctx.finding(ex, title, None)
        .with_confidence(Confidence::Confirmed)
        .with_fact(format!(
            "{secured} of {} operations require authentication",
            model.operations.len()
        ))
        .with_fact(format!(
            "title `{}`, version `{}`",
            model.title, model.api_version
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{serve, Fixture, RawResponse};

    const DOC: &str = r#"{"openapi":"3.0.3","info":{"title":"Shop","version":"2"},"security":[{"b":[]}],"paths":{"/a":{"get":{}},"/b":{"get":{"security":[]}}}}"#;

    #[tokio::test]
    async fn finds_a_document_at_a_usual_path() {
        let addr = serve(|req| match req.path.as_str() {
            "/v3/api-docs" => RawResponse::new(200, DOC).header("content-type", "application/json"),
            _ => RawResponse::new(404, "nf"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        let f = PublicSpec.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert!(
            f[0].title.contains("/v3/api-docs (2 operations)"),
            "{}",
            f[0].title
        );
        assert!(f[0].evidence.facts[0].starts_with("1 of 2"));
    }

    #[tokio::test]
    async fn silent_when_none_is_served() {
        let addr = serve(|req| match req.path.as_str() {
            // Authenticated-only, an HTML page, and a JSON file that is no OpenAPI.
            "/openapi.json" => RawResponse::new(401, DOC),
            "/swagger.json" => RawResponse::new(200, format!("<html>{DOC}</html>"))
                .header("content-type", "text/html"),
            "/api-docs" => RawResponse::new(200, r#"{"swagger_ui":"moved"}"#),
            _ => RawResponse::new(404, "nf"),
        })
        .await;
        let (_e, ctx) = Fixture::new(&format!("http://{addr}/")).ctx(&META);
        assert!(PublicSpec.run(&ctx).await.expect("run").is_empty());
    }
}
