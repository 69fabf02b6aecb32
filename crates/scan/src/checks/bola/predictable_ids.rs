//! BOLA-002: objects have sequential numeric ids and cross-user access was not tested.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support;
use crate::recon::spec::{ids_in, parent_template};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};
use tollgate_spec::Method;

pub struct PredictableIds;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("BOLA-002"),
    name: "Predictable object ids (object authorization not cross-checked)",
    category: Category::Bola,
    severity: Severity::Info,
    cwe: 639,
    owasp: Owasp::Api1,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "When the scan has fewer than two ordinary identities, so BOLA-001 cannot compare two users, reads the recorded list answers of collections the OpenAPI document pairs with item operations and reports collections whose objects use small sequential integer ids. Informational: it says where to test object-level authorization with a second user.",
        why: "Sequential ids make every other object one increment away; if object-level authorization is missing anywhere, enumeration is trivial.",
        evidence: "`GET /api/v2/orders/` lists ids 1, 3, 5, 7, 9 for alice; `GET /api/v2/orders/{id}/` takes them in the path.",
        remediation: "Authorize every object access (see BOLA-001); prefer random identifiers (UUIDv4) in URLs so ids cannot be guessed. Run tollgate with two identities to test cross-user access.",
        remediation_django: Some("Filter querysets by the requesting user; for public identifiers add a `UUIDField(default=uuid.uuid4, unique=True)` and use it as `lookup_field` in the views."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
            "https://cwe.mitre.org/data/definitions/639.html",
        ],
    },
};

/// Whether ids look sequential: at least three integers, all below ten million,
/// spread over no more than three times their count.
fn sequential(ids: &[String]) -> bool {
    let mut n: Vec<i64> = ids.iter().filter_map(|i| i.parse().ok()).collect();
    if n.len() < 3 || n.len() != ids.len() {
        return false;
    }
    n.sort_unstable();
    let (lo, hi) = (n[0], n[n.len() - 1]);
    let count = i64::try_from(n.len()).unwrap_or(i64::MAX);
    lo >= 0 && hi < 10_000_000 && hi - lo <= 3 * count
}

#[async_trait]
impl Check for PredictableIds {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let spec = api_support::spec(ctx)
            .ok_or_else(|| CheckError::Skipped("no OpenAPI document".into()))?;
        let low = api_support::low_identity(ctx);
        if low
            .as_deref()
            .and_then(|l| api_support::peer_identity(ctx, l))
            .is_some()
        {
            return Ok(Vec::new()); // BOLA-001 compares two users instead.
        }
        let ops = &spec.model.operations;
        let mut findings = Vec::new();
        for item in ops.iter().filter(|o| o.method == Method::Get) {
            let Some((parent, param)) = parent_template(&item.path) else {
                continue;
            };
            let answer = ctx.transcript().into_iter().find(|ex| {
                ex.response.is_success()
                    && spec
                        .operation_for(Method::Get, &ex.request.url)
                        .is_some_and(|o| o.path == parent)
            });
            let Some(ex) = answer else { continue };
            let ids = ids_in(&ex.response.body, &param);
            if !sequential(&ids) {
                continue;
            }
            let shown: Vec<&str> = ids.iter().take(6).map(String::as_str).collect();
            let title = format!(
                "{} uses sequential numeric ids ({}, …)",
                item.path,
                shown.join(", ")
            );
            findings.push(
                ctx.finding(&ex, title, None)
                    .with_confidence(Confidence::Firm)
                    .with_key(&item.path)
                    .with_fact("only one ordinary identity was given, so cross-user access was not tested: pass a second user's token"),
            );
        }
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::testkit::{exchange, Fixture};
    use tollgate_core::{HttpMethod, Secret};

    const SPEC: &str =
        r#"{"openapi":"3.0.3","paths":{"/orders/":{"get":{}},"/orders/{id}/":{"get":{}}}}"#;

    fn list(body: &str) -> crate::engine::Exchange {
        exchange(
            HttpMethod::Get,
            "http://127.0.0.1:9/orders/",
            200,
            &[("content-type", "application/json")],
            body,
        )
    }

    #[tokio::test]
    async fn reports_sequential_ids_with_one_identity() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-alice-0123456789"),
            ))
            .recorded(list(r#"{"results":[{"id":1},{"id":3},{"id":5},{"id":7}]}"#))
            .ctx(&META);
        let f = PredictableIds.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("(1, 3, 5, 7, …)"), "{}", f[0].title);
    }

    #[tokio::test]
    async fn silent_with_uuids_or_two_users() {
        let uuids = r#"[{"id":"3f0c9a4e-1d2b-4c5d-8e9f-0a1b2c3d4e5f"},{"id":"9b1d2c3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"},{"id":"0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"}]"#;
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .recorded(list(uuids))
            .ctx(&META);
        assert!(PredictableIds.run(&ctx).await.expect("run").is_empty());
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .spec(SPEC)
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-alice-0123456789"),
            ))
            .identity(Identity::bearer("bob", Secret::new("tok-bob-0123456789")))
            .recorded(list(r#"[{"id":1},{"id":2},{"id":3}]"#))
            .ctx(&META);
        assert!(PredictableIds.run(&ctx).await.expect("run").is_empty());
    }

    #[test]
    fn sequences() {
        let s = |v: &[&str]| sequential(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert!(s(&["1", "2", "3"]) && s(&["10", "14", "12"]));
        assert!(!s(&["1", "2"]) && !s(&["1", "5000", "90000"]) && !s(&["a", "b", "c"]));
    }
}
