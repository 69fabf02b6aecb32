//! PROP-002: responses carry fields the OpenAPI document does not declare.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support::{self, json_body};
use crate::checks::kit::common::target_responses;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};
use tollgate_spec::{Additional, ApiModel, Method, SchemaId};

pub struct UndocumentedFields;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PROP-002"),
    name: "Response fields missing from the documented schema",
    category: Category::PropertyAuthorization,
    severity: Severity::Low,
    cwe: 213,
    owasp: Owasp::Api3,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Compares every recorded JSON answer (GET, 2xx) of an operation in the OpenAPI document with the operation's documented response schema, objects in lists included, and reports the fields the schema does not declare. Schemas that admit any field (`additionalProperties`, no `properties`, `anyOf`/`oneOf`) are not judged. Fields named like privileges or personal data raise the severity to medium.",
        why: "Fields nobody documented are fields nobody reviewed: serializers that grew a `password`, an internal flag or a second user's data leak them to every client, and consumers start depending on them.",
        evidence: "`GET /api/v2/users/` → objects in `results` carry `password`, `api_key`, `phone`, `is_superuser` and `access_token`; the documented `User` schema has id, username, email, role, is_active and date_joined.",
        remediation: "Make the serializer's field list and the documented schema one source (generate the document from the code, or validate responses against it in tests), and remove the fields the document does not promise.",
        remediation_django: Some("Generate the document with drf-spectacular from the serializers so it cannot drift, list serializer `fields` explicitly, and add a test that validates each endpoint's response against the schema (e.g. with `openapi-core`)."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
            "https://cwe.mitre.org/data/definitions/213.html",
            "https://spec.openapis.org/oas/v3.1.0#schema-object",
        ],
    },
};

/// Levels of nesting compared.
const MAX_DEPTH: usize = 4;
/// Extra fields listed in a title at most.
const LISTED: usize = 8;
/// Words in a field name that make an undocumented field more serious.
const SERIOUS: &[&str] = &[
    "password",
    "hash",
    "secret",
    "token",
    "key",
    "admin",
    "staff",
    "superuser",
    "role",
    "permission",
    "phone",
    "ssn",
    "salary",
    "internal",
];

/// Undocumented field paths in `v` against schema `id` (`results[].password`).
fn extra_fields(
    model: &ApiModel,
    v: &Value,
    id: SchemaId,
    prefix: &str,
    depth: usize,
    out: &mut BTreeSet<String>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Array(items) => {
            if let Some(item) = model.array_items(id) {
                for x in items.iter().take(50) {
                    extra_fields(model, x, item, &format!("{prefix}[]"), depth + 1, out);
                }
            }
        }
        Value::Object(m) => {
            if model.is_open(id) {
                return;
            }
            let props = model.properties(id);
            for (k, val) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match props.iter().find(|(n, _)| n == k) {
                    Some((_, p)) => extra_fields(model, val, *p, &path, depth + 1, out),
                    None => {
                        out.insert(path);
                    }
                }
            }
        }
        _ => {}
    }
}

fn serious(path: &str) -> bool {
    let last = path
        .rsplit(['.', ']'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    SERIOUS.iter().any(|w| last.contains(w))
}

#[async_trait]
impl Check for UndocumentedFields {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx).ok_or_else(|| {
            CheckError::Skipped("no OpenAPI document to compare with: pass --spec PATH|URL".into())
        })?;
        let model = &spec.model;
        let mut done: BTreeSet<String> = BTreeSet::new();
        let mut findings = Vec::new();
        for ex in target_responses(ctx) {
            let Some(op) = spec.operation_for(Method::Get, &ex.request.url) else {
                continue;
            };
            let Some(schema) = op.success_schemas().into_iter().next() else {
                continue;
            };
            if done.contains(&op.path)
                || matches!(model.schema(schema).additional, Additional::Allowed)
            {
                continue;
            }
            let Some(body) = json_body(&ex) else { continue };
            let mut extra = BTreeSet::new();
            extra_fields(model, &body, schema, "", 0, &mut extra);
            if extra.is_empty() {
                continue;
            }
            done.insert(op.path.clone());
            let listed: Vec<&str> = extra.iter().take(LISTED).map(String::as_str).collect();
            let more = extra.len().saturating_sub(LISTED);
            let severity = if extra.iter().any(|p| serious(p)) {
                Severity::Medium
            } else {
                Severity::Low
            };
            let title = format!(
                "{} {} returns {} undocumented field(s): {}{}",
                ex.request.method,
                op.path,
                extra.len(),
                listed.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
            let schema_name = model
                .schema(schema)
                .name
                .clone()
                .unwrap_or_else(|| "inline schema".into());
            findings.push(
                ctx.finding(&ex, title, None)
                    .with_severity(severity)
                    .with_confidence(Confidence::Firm)
                    .with_key(&op.path)
                    .with_fact(format!(
                        "documented response: {schema_name} at {}",
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
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::HttpMethod;

    const SPEC: &str = r##"{"openapi":"3.0.3","paths":{
      "/users/":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object","properties":{"count":{"type":"integer"},"results":{"type":"array","items":{"$ref":"#/components/schemas/User"}}}}}}}}}},
      "/free/":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object","additionalProperties":true}}}}}}}},
      "components":{"schemas":{"User":{"allOf":[{"$ref":"#/components/schemas/Base"},{"type":"object","properties":{"email":{"type":"string"}}}]},
        "Base":{"type":"object","properties":{"id":{"type":"integer"},"username":{"type":"string"}}}}}}"##;

    fn json(path: &str, body: &str) -> crate::engine::Exchange {
        exchange(
            HttpMethod::Get,
            &format!("http://127.0.0.1:9{path}"),
            200,
            &[("content-type", "application/json")],
            body,
        )
    }

    #[tokio::test]
    async fn reports_fields_beyond_the_schema() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .recorded(json("/users/", r#"{"count":1,"results":[{"id":1,"username":"a","email":"a@x","password":"h","is_superuser":true}]}"#))
            .ctx(&META);
        let f = UndocumentedFields.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].title
                .contains("results[].is_superuser, results[].password"),
            "{}",
            f[0].title
        );
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[tokio::test]
    async fn silent_when_the_answer_matches() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .recorded(json(
                "/users/",
                r#"{"count":1,"results":[{"id":1,"username":"a","email":"a@x"}]}"#,
            ))
            .recorded(json("/free/", r#"{"anything":1}"#))
            .recorded(json("/undocumented/", r#"{"password":"x"}"#))
            .ctx(&META);
        assert!(UndocumentedFields.run(&ctx).await.expect("run").is_empty());
    }
}
