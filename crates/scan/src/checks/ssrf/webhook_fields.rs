//! UC-002: request bodies that register a URL the server will call later (webhooks,
//! callbacks, notification URLs) and accept any URL.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use async_trait::async_trait;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};
use tollgate_spec::{ApiModel, Operation, Schema};

pub struct WebhookFields;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("UC-002"),
    name: "Webhook or callback URL fields accept arbitrary URLs",
    category: Category::UnsafeConsumption,
    severity: Severity::Low,
    cwe: 918,
    owasp: Owasp::Api10,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reads the OpenAPI document's request bodies (POST, PUT, PATCH) for fields that register a URL the server will call or consume later: names such as `webhook`, `callback`, `callback_url`, `notify_url`, `redirect_uri`, `feed_url`, or any string with `format: uri`/`url`, that carry no `enum` and no `pattern` limiting them. It reports the surface only and sends nothing: registering a webhook changes state, so it is never probed without a person deciding to.",
        why: "A stored URL is fetched by the server later, often from a worker inside the network, with no user watching: a delayed SSRF into metadata services, the Docker API or internal admin endpoints. The API also consumes whatever that URL answers, which is unsafe consumption of a third party chosen by the caller.",
        evidence: "POST /api/v2/hooks/ request body `{\"url\": string (format uri), \"events\": [...]}` — no pattern, no allow-list.",
        remediation: "Allow only https URLs on hosts the tenant has verified (or an allow-list), resolve the host and refuse private, loopback and link-local addresses at send time (not only at registration), send webhooks from an egress proxy without access to internal networks, and never forward credentials.",
        remediation_django: Some("Validate with a serializer field that checks scheme and host against an allow-list (`URLField` alone accepts internal hosts), re-check the resolved IP in the Celery task that sends the request, and use a requests `Session` with redirects off and a short timeout."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xaa-unsafe-consumption-of-apis/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/918.html",
        ],
    },
};

/// Field names that register a URL for later use.
const NAMES: &[&str] = &[
    "webhook",
    "webhook_url",
    "webhookurl",
    "callback",
    "callback_url",
    "callbackurl",
    "notify_url",
    "notification_url",
    "redirect_uri",
    "redirect_url",
    "return_url",
    "feed_url",
    "target_url",
    "endpoint_url",
    "hook_url",
    "url",
];

fn is_url_field(name: &str, schema: &Schema) -> bool {
    let n = name.to_ascii_lowercase();
    let by_name = NAMES.contains(&n.as_str());
    let by_format = schema
        .format
        .as_deref()
        .is_some_and(|f| f.eq_ignore_ascii_case("uri") || f.eq_ignore_ascii_case("url"));
    (by_name || by_format)
        && schema.enum_values.is_empty()
        && schema.const_value.is_none()
        && schema.pattern.is_none()
}

fn url_fields(model: &ApiModel, op: &Operation) -> BTreeSet<String> {
    api_support::writable_body_properties(model, op)
        .into_iter()
        .filter(|(name, schema)| is_url_field(name, schema))
        .map(|(name, _)| name)
        .collect()
}

#[async_trait]
impl Check for WebhookFields {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let model = &spec.model;
        let mut findings = Vec::new();
        for op in api_support::write_operations(model) {
            let fields = url_fields(model, op);
            if fields.is_empty() {
                continue;
            }
            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
            let title = format!(
                "{} {} stores caller-chosen URLs in {}",
                op.method,
                op.path,
                names.join(", ")
            );
            findings.push(
                api_support::request_body_finding(ctx, &META, model, op, title)
                    .with_fact("no enum and no pattern limits these fields")
                    .with_fact("surface only: nothing was registered; verify by hand which hosts the server will call"),
            );
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Fixture;

    async fn run(doc: &str) -> Vec<Finding> {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").spec(doc).ctx(&META);
        WebhookFields.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn reports_unrestricted_webhook_urls() {
        let doc = r#"{"openapi":"3.0.3","paths":{"/hooks/":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"target":{"type":"string","format":"uri"},"callback_url":{"type":"string"},"events":{"type":"array","items":{"type":"string"}}}}}}}}}}}"#;
        let f = run(doc).await;
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].title,
            "POST /hooks/ stores caller-chosen URLs in callback_url, target"
        );
    }

    #[tokio::test]
    async fn silent_when_restricted_or_read_only() {
        let doc = r#"{"openapi":"3.0.3","paths":{"/hooks/":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"callback_url":{"type":"string","pattern":"^https://hooks\\.example\\.com/"},"url":{"type":"string","enum":["https://a.example/"]},"self":{"type":"string","format":"uri","readOnly":true},"name":{"type":"string"}}}}}}}}}}"#;
        assert!(run(doc).await.is_empty());
    }
}
