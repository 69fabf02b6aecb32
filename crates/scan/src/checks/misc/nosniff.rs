//! MISC-001: responses without `X-Content-Type-Options: nosniff`.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::common::target_responses;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct MissingNosniff;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("MISC-001"),
    name: "Missing X-Content-Type-Options: nosniff",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Low,
    cwe: 693,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Responses from the API that do not carry `X-Content-Type-Options: nosniff`. Reported once per target, with the first response that lacks it.",
        why: "Without `nosniff`, browsers may guess a response's type. A JSON body that echoes attacker input can then be run as HTML or script in the API's origin, which turns reflected data into cross-site scripting with access to the origin's tokens.",
        evidence: "GET https://api.example/v1/users → 200, headers without `X-Content-Type-Options`.",
        remediation: "Send `X-Content-Type-Options: nosniff` on every response, from the application or the reverse proxy (nginx: `add_header X-Content-Type-Options nosniff always;`).",
        remediation_django: Some("Enable `django.middleware.security.SecurityMiddleware` and keep `SECURE_CONTENT_TYPE_NOSNIFF = True` (the default since Django 3.0). Check that the middleware is listed in `MIDDLEWARE`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa8-security-misconfiguration/",
            "https://cwe.mitre.org/data/definitions/693.html",
            "https://developer.mozilla.org/docs/Web/HTTP/Headers/X-Content-Type-Options",
        ],
    },
};

#[async_trait]
impl Check for MissingNosniff {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let missing = target_responses(ctx).into_iter().find(|e| {
            !e.response.body.is_empty()
                && !e
                    .response
                    .header("x-content-type-options")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("nosniff"))
        });
        Ok(missing
            .map(|ex| {
                ctx.finding(
                    &ex,
                    "Responses lack `X-Content-Type-Options: nosniff`",
                    None,
                )
                .with_fact("header `X-Content-Type-Options` absent or not `nosniff`")
            })
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    const T: &str = "http://127.0.0.1:9/";

    #[tokio::test]
    async fn fires_when_header_missing() {
        let ex = exchange(
            HttpMethod::Get,
            T,
            200,
            &[("content-type", "application/json")],
            "{}",
        );
        let (_e, ctx) = Fixture::new(T).recorded(ex).ctx(&META);
        let f = MissingNosniff.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].check_id.as_str(), "MISC-001");
    }

    #[tokio::test]
    async fn silent_when_header_present() {
        let ex = exchange(
            HttpMethod::Get,
            T,
            200,
            &[("x-content-type-options", "nosniff")],
            "{}",
        );
        let (_e, ctx) = Fixture::new(T).recorded(ex).ctx(&META);
        assert!(MissingNosniff.run(&ctx).await.expect("run").is_empty());
    }

    #[tokio::test]
    async fn ignores_out_of_scope_exchanges() {
        let ex = exchange(HttpMethod::Get, "http://127.0.0.1:10/", 200, &[], "{}");
        let (_e, ctx) = Fixture::new(T).recorded(ex).ctx(&META);
        assert!(MissingNosniff.run(&ctx).await.expect("run").is_empty());
    }
}
