//! INV-007: operations documented without any security requirement return personal or
//! account data.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support::{self, json_body};
use crate::checks::kit::common::target_responses;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};
use tollgate_spec::Method;

pub struct UnsecuredOperations;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("INV-007"),
    name: "Unsecured operation returns personal data",
    category: Category::Inventory,
    severity: Severity::Low,
    cwe: 306,
    owasp: Owasp::Api9,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "For operations the OpenAPI document leaves without a security requirement (`security: []`, or none at all) in a document that declares security schemes, reads the anonymous answers recorded during the scan and reports those whose JSON holds personal or account fields (e-mail, phone, address, owner, user id, username, date of birth). Public catalogue data is not reported.",
        why: "An operation left out of the security requirements by mistake is open to everyone, and the document itself advertises it as open. When it returns data about people, that is a leak waiting to be found.",
        evidence: "`GET /api/v2/customers/export` is documented with `security: []`; the anonymous answer holds 40 objects with `email` and `phone`.",
        remediation: "Give every operation that returns non-public data a security requirement (set one globally and opt public operations out explicitly), and enforce it in the code.",
        remediation_django: Some("Set `DEFAULT_PERMISSION_CLASSES = [\"rest_framework.permissions.IsAuthenticated\"]` and opt public views out with `permission_classes = [AllowAny]` one by one; drf-spectacular then documents the difference correctly."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa9-improper-inventory-management/",
            "https://cwe.mitre.org/data/definitions/306.html",
            "https://spec.openapis.org/oas/v3.1.0#security-requirement-object",
        ],
    },
};

/// Field names (lower-case) that hold data about a person or an account.
const PERSONAL: &[&str] = &[
    "email",
    "e_mail",
    "phone",
    "phone_number",
    "mobile",
    "address",
    "street",
    "owner",
    "owner_id",
    "user_id",
    "username",
    "date_of_birth",
    "birth_date",
    "dob",
    "ssn",
    "iban",
];

fn personal_fields(v: &Value, depth: usize, out: &mut BTreeSet<String>) {
    if depth > 6 || out.len() > 16 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                let present = !(val.is_null() || val.as_str().is_some_and(str::is_empty));
                if present && PERSONAL.contains(&k.to_ascii_lowercase().as_str()) {
                    out.insert(k.clone());
                }
                personal_fields(val, depth + 1, out);
            }
        }
        Value::Array(items) => items
            .iter()
            .take(20)
            .for_each(|i| personal_fields(i, depth + 1, out)),
        _ => {}
    }
}

#[async_trait]
impl Check for UnsecuredOperations {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        if spec.model.security_schemes.is_empty() {
            return Ok(Vec::new());
        }
        let mut done = BTreeSet::new();
        let mut findings = Vec::new();
        for ex in target_responses(ctx)
            .into_iter()
            .filter(|e| e.request.identity.is_none())
        {
            let Some(op) = spec.operation_for(Method::Get, &ex.request.url) else {
                continue;
            };
            if !op.allows_anonymous() || done.contains(&op.path) {
                continue;
            }
            let Some(body) = json_body(&ex) else { continue };
            let mut fields = BTreeSet::new();
            personal_fields(&body, 0, &mut fields);
            if fields.is_empty() {
                continue;
            }
            done.insert(op.path.clone());
            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
            let title = format!(
                "unsecured operation GET {} returns personal data ({})",
                op.path,
                names.join(", ")
            );
            findings.push(
                ctx.finding(&ex, title, None)
                    .with_confidence(Confidence::Firm)
                    .with_key(&op.path)
                    .with_fact(format!("the document gives {} no security requirement; anonymous callers get the data", op.path)),
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

    const SPEC: &str = r#"{"openapi":"3.0.3","security":[{"b":[]}],"components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
      "paths":{"/customers/":{"get":{"security":[]}},"/products/":{"get":{"security":[]}},"/me/":{"get":{}}}}"#;

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
    async fn reports_personal_data_from_unsecured_operations() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .recorded(json(
                "/customers/",
                r#"[{"id":1,"email":"a@x.test","phone":"+1 555"}]"#,
            ))
            .ctx(&META);
        let f = UnsecuredOperations.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("(email, phone)"), "{}", f[0].title);
    }

    #[tokio::test]
    async fn silent_on_public_catalogues_and_secured_operations() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .recorded(json(
                "/products/",
                r#"[{"id":1,"name":"mug","price":"9.99"}]"#,
            ))
            .recorded(json("/me/", r#"{"id":1,"email":"a@x.test"}"#))
            .ctx(&META);
        assert!(UnsecuredOperations.run(&ctx).await.expect("run").is_empty());
    }
}
