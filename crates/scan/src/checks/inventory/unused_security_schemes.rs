//! INV-006: security schemes the OpenAPI document declares but never applies.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Location, Owasp, SafetyClass,
    Severity,
};

pub struct UnusedSecuritySchemes;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INV-006"),
    name: "Security scheme declared but not applied",
    category: Category::Inventory,
    severity: Severity::Info,
    cwe: 1059,
    owasp: Owasp::Api9,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reports security schemes in `components.securitySchemes` (`securityDefinitions` in Swagger 2.0) that no `security` requirement, global or per operation, refers to. Sends nothing.",
        why: "A declared but unapplied scheme usually means the authors meant to protect operations and forgot to say so (the document then describes them as open), or that an old authentication method still lingers in the inventory.",
        evidence: "`components.securitySchemes.apiKeyAuth` is declared; neither the top-level `security` nor any operation names it.",
        remediation: "Apply the scheme with a `security` requirement (globally, or on the operations that need it) or delete it; make the document match how the API really authenticates.",
        remediation_django: Some("With drf-spectacular the schemes come from `authentication_classes`; remove unused authentication classes from `REST_FRAMEWORK[\"DEFAULT_AUTHENTICATION_CLASSES\"]` or the extension that registers them."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/1059.html",
            "https://spec.openapis.org/oas/v3.1.0#security-requirement-object",
        ],
    },
};

#[async_trait]
impl Check for UnusedSecuritySchemes {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let model = &spec.model;
        let url = spec
            .served_at
            .as_ref()
            .map_or_else(|| ctx.target().url.to_string(), ToString::to_string);
        let unused = model.unused_security_schemes();
        let total = model.security_schemes.len();
        Ok(unused
            .into_iter()
            .map(|name| {
                Finding::new(
                    &META,
                    Location::http_param("GET", url.clone(), name),
                    format!("security scheme `{name}` is declared but no operation requires it"),
                )
                .with_confidence(Confidence::Confirmed)
                .with_key(name)
                .with_fact(format!(
                    "{total} scheme(s) declared; {} operation(s) in the document",
                    model.operations.len()
                ))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Fixture;

    #[tokio::test]
    async fn reports_unapplied_schemes() {
        let doc = r#"{"openapi":"3.0.3","security":[{"bearer":[]}],"components":{"securitySchemes":{
          "bearer":{"type":"http","scheme":"bearer"},"apiKey":{"type":"apiKey","in":"header","name":"X-Key"},"oauth":{"type":"oauth2","flows":{}}}},
          "paths":{"/a":{"get":{"security":[{"oauth":["read"]}]}}}}"#;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").spec(doc).ctx(&META);
        let f = UnusedSecuritySchemes.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("`apiKey`"));
    }

    #[tokio::test]
    async fn silent_when_every_scheme_is_used() {
        let doc = r#"{"openapi":"3.0.3","security":[{"bearer":[]}],"components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}}},"paths":{"/a":{"get":{}}}}"#;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").spec(doc).ctx(&META);
        assert!(UnusedSecuritySchemes
            .run(&ctx)
            .await
            .expect("run")
            .is_empty());
    }
}
