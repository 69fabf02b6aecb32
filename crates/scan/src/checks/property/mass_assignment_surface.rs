//! PROP-003: request schemas let clients write privilege or ownership fields.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use async_trait::async_trait;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};
use tollgate_spec::{ApiModel, Operation};

pub struct MassAssignmentSurface;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PROP-003"),
    name: "Privilege fields writable through the API (mass-assignment surface)",
    category: Category::PropertyAuthorization,
    severity: Severity::Low,
    cwe: 915,
    owasp: Owasp::Api3,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reads the request-body schemas of the OpenAPI document's POST, PUT and PATCH operations and reports properties that are writable (not `readOnly`) and named like privileges or ownership: `is_admin`, `is_staff`, `is_superuser`, `role(s)`, `permissions`, `groups`, `scopes`, `owner(_id)`, `user_id`, `tenant_id`, `balance`, `verified`. It reports the surface only and sends nothing; whether the server really accepts the values is not tested.",
        why: "If the server binds request bodies straight onto its models, a client that adds `\"is_admin\": true` or another user's `owner_id` to an ordinary update escalates its privileges or takes over objects. A document that invites those fields is the first sign.",
        evidence: "`PATCH /users/{id}` accepts `UserUpdate` with writable `role` and `is_staff`.",
        remediation: "Keep privilege and ownership fields out of client-writable schemas (mark them `readOnly`, or use separate admin operations) and bind request bodies through an explicit allow-list.",
        remediation_django: Some("List writable fields explicitly in DRF serializers and put privilege fields in `read_only_fields`; set ownership in `perform_create(serializer.save(owner=self.request.user))` rather than from the request body."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
            "https://cwe.mitre.org/data/definitions/915.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html",
        ],
    },
};

/// Property names (lower-case) that grant privileges or ownership.
const PRIVILEGED: &[&str] = &[
    "is_admin",
    "isadmin",
    "admin",
    "is_staff",
    "is_superuser",
    "superuser",
    "role",
    "roles",
    "permissions",
    "groups",
    "scopes",
    "owner",
    "owner_id",
    "user_id",
    "userid",
    "account_id",
    "tenant_id",
    "org_id",
    "balance",
    "credit",
    "verified",
    "email_verified",
    "is_verified",
    "approved",
    "is_active",
];

fn writable_privileged(model: &ApiModel, op: &Operation) -> BTreeSet<String> {
    api_support::writable_body_properties(model, op)
        .into_iter()
        .filter(|(name, _)| PRIVILEGED.contains(&name.to_ascii_lowercase().as_str()))
        .map(|(name, _)| name)
        .collect()
}

#[async_trait]
impl Check for MassAssignmentSurface {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let model = &spec.model;
        let mut findings = Vec::new();
        for op in api_support::write_operations(model) {
            let fields = writable_privileged(model, op);
            if fields.is_empty() {
                continue;
            }
            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
            let title = format!(
                "{} {} lets clients write {}",
                op.method,
                op.path,
                names.join(", ")
            );
            findings.push(
                api_support::request_body_finding(ctx, &META, model, op, title)
                    .with_fact("surface only: run with --allow intrusive and test by hand whether the server accepts these fields"),
            );
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::Fixture;

    #[tokio::test]
    async fn reports_writable_privilege_fields() {
        let doc = r##"{"openapi":"3.0.3","paths":{"/users/{id}":{"patch":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/U"}}}}}}},
          "components":{"schemas":{"U":{"type":"object","properties":{"name":{"type":"string"},"role":{"type":"string"},"is_staff":{"type":"boolean"},"id":{"type":"integer","readOnly":true},"owner_id":{"type":"integer","readOnly":true}}}}}}"##;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").spec(doc).ctx(&META);
        let f = MassAssignmentSurface.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].title,
            "PATCH /users/{id} lets clients write is_staff, role"
        );
    }

    #[tokio::test]
    async fn silent_on_ordinary_bodies() {
        let doc = r#"{"openapi":"3.0.3","paths":{"/orders/":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"product":{"type":"integer"},"quantity":{"type":"integer"}}}}}}},
          "get":{"parameters":[{"name":"role","in":"query"}]}}}}"#;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/").spec(doc).ctx(&META);
        assert!(MassAssignmentSurface
            .run(&ctx)
            .await
            .expect("run")
            .is_empty());
    }
}
