//! BFLA-001: administrative functions answer a low-privilege identity.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::admin_operations::{admin_path, classify, Evidence};
use crate::checks::kit::api_support::{self, json_body};
use crate::engine::{Auth, Exchange, ProbeRequest};
use crate::recon::spec::{operation_url, ApiSpec};
use async_trait::async_trait;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use tollgate_spec::Method;
use url::Url;

pub struct AdminFunctions;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("BFLA-001"),
    name: "Administrative function available to a low-privilege user",
    category: Category::Bfla,
    severity: Severity::High,
    cwe: 285,
    owasp: Owasp::Api5,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 36,
    docs: CheckDocs {
        what: "Finds administrative read operations: by path (`/admin/`, `/internal/`, `/manage/`, `/staff/`), by tag, by an `admin` scope in the OpenAPI security requirements, or by a summary saying \"staff only\". Calls each with the low-privilege identity and anonymously; with an admin identity available (an identity named like `admin`), calls it as the admin too. Like is compared with like: an answer that is the low-privilege identity's own object (an owner field, or its own account, holding the ids its `/me`-like answer gave) is not an administrative function and is not reported. The low-privilege identity getting the admin's answer while anonymous callers are refused is confirmed; without an admin identity to compare with, a JSON answer to an operation the document reserves for admins is firm, one that only looks administrative by its path is tentative.",
        why: "Function-level authorization gaps let any signed-up user call the endpoints behind the admin UI: list every user, change roles, read settings. Hiding the links is not access control.",
        evidence: "`GET /api/v2/admin/users/` as alice (role user) → 200 with the same 5 user records admin gets; anonymous → 401.",
        remediation: "Deny by default: every administrative route checks the caller's role or permission on the server, from the database or a verified claim, not from the client. Group admin routes under one router with one enforced policy.",
        remediation_django: Some("Use `permission_classes = [IsAdminUser]` (is_staff from the database) or a custom permission that checks `request.user.has_perm(...)` on every admin view; set a restrictive `DEFAULT_PERMISSION_CLASSES` in `REST_FRAMEWORK` so a view without its own permission is not open to any authenticated user."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/",
            "https://cwe.mitre.org/data/definitions/285.html",
            "https://www.django-rest-framework.org/api-guide/permissions/",
        ],
    },
};

/// Operations tested at most.
const MAX_OPERATIONS: usize = 10;

/// The URLs to try: the document's admin-looking GET operations, else the
/// discovered routes under an administrative path.
fn candidates(ctx: &CheckCtx, spec: Option<&ApiSpec>) -> Vec<(Url, Evidence)> {
    let target = &ctx.target().url;
    let mut out: Vec<(Url, Evidence)> = match spec {
        Some(spec) => spec
            .model
            .operations
            .iter()
            .filter(|o| o.method == Method::Get && !o.allows_anonymous())
            .filter_map(|o| {
                Some((
                    operation_url(target, spec, o, &HashMap::new())?,
                    classify(o)?,
                ))
            })
            .collect(),
        None => ctx
            .target()
            .routes
            .iter()
            .filter(|u| admin_path(u.path()))
            .map(|u| (u.clone(), Evidence::Path))
            .collect(),
    };
    out.sort_by_key(|c| std::cmp::Reverse(c.1));
    out.dedup_by(|a, b| a.0 == b.0);
    out.truncate(MAX_OPERATIONS);
    out
}

#[async_trait]
impl Check for AdminFunctions {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let low = api_support::low_identity(ctx).ok_or_else(|| {
            CheckError::Skipped("needs a low-privilege identity (pass --token-file)".into())
        })?;
        let admin = api_support::admin_identity(ctx);
        let mut findings = Vec::new();
        for (url, evidence) in candidates(ctx, api_support::spec(ctx)) {
            if let Some(f) = test_one(ctx, url, evidence, &low, admin.as_deref()).await? {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

async fn get(ctx: &CheckCtx, url: &Url, who: Option<&str>) -> Result<Arc<Exchange>, CheckError> {
    let auth = who.map_or(Auth::Anonymous, |w| Auth::Identity(w.to_string()));
    ctx.send(ProbeRequest::get(url.clone()).auth(auth)).await
}

async fn test_one(
    ctx: &CheckCtx,
    url: Url,
    evidence: Evidence,
    low: &str,
    admin: Option<&str>,
) -> Result<Option<Finding>, CheckError> {
    let mine = get(ctx, &url, Some(low)).await?;
    let Some(body) = json_body(&mine).filter(|_| !api_support::is_missing(ctx, &mine)) else {
        return Ok(None);
    };
    // Like with like: the low identity reading its own object (its own account under
    // an admin-looking path, an object it owns) is not an administrative function.
    if owned_by(&body, &own_ids(ctx, low), &url) {
        return Ok(None);
    }
    let anon = get(ctx, &url, None).await?;
    if json_body(&anon).is_some() {
        // Public to everyone: an authentication question, not a privilege one.
        return Ok(None);
    }
    let (confidence, fact) = match admin {
        Some(admin) => {
            let theirs = get(ctx, &url, Some(admin)).await?;
            match json_body(&theirs) {
                Some(a) if same_shape(&a, &body) => (
                    Confidence::Confirmed,
                    format!("{low} gets the answer {admin} gets (same fields, same size)"),
                ),
                // The admin is refused too, or sees something else: not this check's call.
                _ => return Ok(None),
            }
        }
        None if evidence == Evidence::Documented => (
            Confidence::Firm,
            "the document reserves this operation for administrators (tag, scope or summary)"
                .to_string(),
        ),
        None => (
            Confidence::Tentative,
            "the path looks administrative; pass an admin identity to confirm".to_string(),
        ),
    };
    let title = format!(
        "administrative {} {} answers {low}",
        mine.request.method,
        url.path()
    );
    Ok(Some(
        ctx.finding(&mine, title, None)
            .with_confidence(confidence)
            .with_key(url.path())
            .with_fact(fact)
            .with_fact(format!(
                "anonymous callers get HTTP {}",
                anon.response.status
            )),
    ))
}

/// Path segments of endpoints about the caller.
const SELF_SEGMENTS: &[&str] = &["me", "whoami", "self", "profile", "account", "userinfo"];
/// Fields of an object that name who owns it.
const OWNER_FIELDS: &[&str] = &[
    "owner",
    "owner_id",
    "ownerid",
    "user",
    "user_id",
    "userid",
    "created_by",
    "author_id",
];
/// Fields of the caller's own account that identify it.
const SELF_ID_FIELDS: &[&str] = &["id", "pk", "uuid", "user_id", "username", "email", "sub"];

/// What identifies the identity's account: the id, username and e-mail values of
/// its own answer to an endpoint about the caller (`/me`), recorded during the scan.
fn own_ids(ctx: &CheckCtx, identity: &str) -> Vec<String> {
    let mut out = Vec::new();
    for ex in ctx.transcript() {
        if ex.request.identity.as_deref() != Some(identity) {
            continue;
        }
        let is_self = ex.request.url.path_segments().is_some_and(|mut s| {
            s.any(|seg| SELF_SEGMENTS.contains(&seg.to_ascii_lowercase().as_str()))
        });
        let Some(Value::Object(me)) = is_self.then(|| json_body(&ex)).flatten() else {
            continue;
        };
        for f in SELF_ID_FIELDS {
            if let Some(v) = me.get(*f).and_then(scalar) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }
    out
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether a single object belongs to the caller: an owner field holds one of its
/// ids, or the object is the caller's account (its id in the URL's last segment and
/// in the object's own id).
fn owned_by(body: &Value, ids: &[String], url: &Url) -> bool {
    let Value::Object(obj) = body else {
        return false;
    };
    if ids.is_empty() {
        return false;
    }
    let holds = |k: &str| {
        obj.get(k)
            .and_then(scalar)
            .is_some_and(|v| ids.contains(&v))
    };
    if OWNER_FIELDS.iter().any(|f| holds(f)) {
        return true;
    }
    let last = url
        .path_segments()
        .and_then(|mut s| s.rfind(|s| !s.is_empty()).map(str::to_string));
    last.is_some_and(|l| ids.contains(&l)) && (holds("id") || holds("username"))
}

/// Same kind of answer: equal, or objects with the same keys (and, for lists, the
/// same number of items).
fn same_shape(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => x.len() == y.len(),
        (Value::Object(x), Value::Object(y)) => {
            let keys_equal = x.keys().eq(y.keys());
            let lists_equal =
                crate::recon::spec::list_items(a).len() == crate::recon::spec::list_items(b).len();
            keys_equal && lists_equal
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::testkit::{serve, Fixture, RawResponse};
    use tollgate_core::Secret;

    const SPEC: &str = r#"{"openapi":"3.0.3","security":[{"b":[]}],"components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
      "paths":{"/api/admin/users/":{"get":{"tags":["admin"],"responses":{"200":{"description":"ok"}}}},
               "/api/me/":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;
    const USERS: &str =
        r#"{"count":2,"results":[{"id":1,"username":"admin"},{"id":2,"username":"alice"}]}"#;

    fn server(
        enforced: bool,
    ) -> impl Fn(&crate::testkit::RawRequest) -> RawResponse + Send + Sync + 'static {
        move |req| {
            let who = req.header("authorization").unwrap_or("");
            let json = |s: u16, b: &str| {
                RawResponse::new(s, b.to_string()).header("content-type", "application/json")
            };
            match (req.path.as_str(), who) {
                (_, "") => json(401, r#"{"detail":"auth"}"#),
                ("/api/admin/users/", "Bearer tok-alice-0123456789") if enforced => {
                    json(403, r#"{"detail":"no"}"#)
                }
                ("/api/admin/users/", _) => json(200, USERS),
                ("/api/me/", _) => json(200, r#"{"id":2}"#),
                _ => json(404, r#"{"detail":"nf"}"#),
            }
        }
    }

    fn fixture(addr: std::net::SocketAddr, admin: bool) -> Fixture {
        let mut f = Fixture::new(&format!("http://{addr}/"))
            .spec(SPEC)
            .identity(Identity::bearer(
                "alice",
                Secret::new("tok-alice-0123456789"),
            ));
        if admin {
            f = f.identity(Identity::bearer(
                "admin",
                Secret::new("tok-admin-0123456789"),
            ));
        }
        f
    }

    #[tokio::test]
    async fn confirms_with_an_admin_to_compare() {
        let addr = serve(server(false)).await;
        let (_e, ctx) = fixture(addr, true).ctx(&META);
        let f = AdminFunctions.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].confidence, Confidence::Confirmed);
        assert!(f[0].title.contains("/api/admin/users/"));
        let (_e, ctx) = fixture(addr, false).ctx(&META);
        let f = AdminFunctions.run(&ctx).await.expect("run");
        assert_eq!(f[0].confidence, Confidence::Firm, "documented by tag");
    }

    #[tokio::test]
    async fn silent_when_refused() {
        let addr = serve(server(true)).await;
        let (_e, ctx) = fixture(addr, true).ctx(&META);
        assert!(AdminFunctions.run(&ctx).await.expect("run").is_empty());
        assert!(ctx.requests_made() <= 2, "me is not administrative");
    }

    #[tokio::test]
    async fn silent_when_the_low_identity_reads_its_own_account() {
        // `/api/admin/users/{id}` with alice's own id: her account, not an admin function.
        let spec = r#"{"openapi":"3.0.3","security":[{"b":[]}],"components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},
          "paths":{"/api/admin/users/{id}":{"get":{"tags":["admin"],"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"},"example":2}]}},
                   "/api/me/":{"get":{}}}}"#;
        let addr = serve(|req| {
            let json = |s: u16, b: &str| {
                RawResponse::new(s, b.to_string()).header("content-type", "application/json")
            };
            match (req.path.as_str(), req.header("authorization").unwrap_or("")) {
                (_, "") => json(401, r#"{"detail":"auth"}"#),
                ("/api/admin/users/2", _) => json(200, r#"{"id":2,"username":"alice"}"#),
                ("/api/me/", _) => json(200, r#"{"id":2,"username":"alice"}"#),
                _ => json(404, r#"{"detail":"nf"}"#),
            }
        })
        .await;
        let me = crate::testkit::as_identity(
            crate::testkit::exchange(
                HttpMethod::Get,
                &format!("http://{addr}/api/me/"),
                200,
                &[("content-type", "application/json")],
                r#"{"id":2,"username":"alice"}"#,
            ),
            "alice",
        );
        let fixture = |me: Option<crate::engine::Exchange>| {
            let f = Fixture::new(&format!("http://{addr}/"))
                .spec(spec)
                .identity(Identity::bearer(
                    "alice",
                    Secret::new("tok-alice-0123456789"),
                ))
                .identity(Identity::bearer(
                    "admin",
                    Secret::new("tok-admin-0123456789"),
                ));
            match me {
                Some(me) => f.recorded(me),
                None => f,
            }
        };
        // Knowing nothing of alice, the same answer as the admin's is reported ...
        let (_e, ctx) = fixture(None).ctx(&META);
        let f = AdminFunctions.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "the route is reached: {f:?}");
        // ... knowing her account from /me, it is her own object.
        let (_e, ctx) = fixture(Some(me)).ctx(&META);
        let f = AdminFunctions.run(&ctx).await.expect("run");
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn ownership() {
        let url = Url::parse("http://h/api/admin/users/2").expect("url");
        let ids = vec!["2".to_string(), "alice".to_string()];
        let own = serde_json::json!({"id": 2, "username": "alice"});
        let other = serde_json::json!({"id": 3, "username": "bob"});
        let note = serde_json::json!({"id": 9, "owner": "alice"});
        assert!(owned_by(&own, &ids, &url));
        assert!(!owned_by(
            &other,
            &ids,
            &Url::parse("http://h/api/admin/users/3").expect("url")
        ));
        assert!(owned_by(&note, &ids, &url));
        assert!(
            !owned_by(&serde_json::json!([own]), &ids, &url),
            "a list is not one object"
        );
        assert!(!owned_by(&own, &[], &url), "nothing known of the caller");
    }

    #[test]
    fn classification() {
        let spec = tollgate_spec::parse(SPEC.as_bytes(), tollgate_spec::no_files).expect("spec");
        assert_eq!(classify(&spec.operations[0]), Some(Evidence::Documented));
        assert_eq!(classify(&spec.operations[1]), None);
        assert!(admin_path("/internal/metrics") && !admin_path("/administrivia"));
    }
}
