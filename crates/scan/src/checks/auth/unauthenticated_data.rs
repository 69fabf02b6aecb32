//! AUTH-001: an endpoint that answers anonymous callers with data it should protect.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::spec_hint::{documented_get, Documented, SpecHint};
use crate::checks::kit::token_probes::{
    answer, bearer, garbage_bearer, same_content, sibling_versions,
};
use crate::engine::{Auth, Exchange};
use async_trait::async_trait;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct UnauthenticatedData;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-001"),
    name: "Data returned without credentials",
    category: Category::Authentication,
    severity: Severity::High,
    cwe: 306,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 40,
    docs: CheckDocs {
        what: "Routes (discovered ones, and the same paths under sibling API versions such as `/api/v1/` beside `/api/v2/`) that answer an anonymous GET with JSON data, judged against the route's own authenticated and invalid-token answers and never on the status alone. A route is reported when the OpenAPI document the target serves declares a security requirement for it, or when the anonymous answer carries sensitive values: e-mail addresses, password hashes, bearer tokens, or credential-named fields (password, secret, api_key, token). Routes the document marks public (`security: []`) are never reported: a public catalogue is public by design. Without a document the content heuristic alone decides, so a public route that carries only non-sensitive data is not reported.",
        why: "Anyone on the network reads what the route returns, with no token to steal first: user directories, personal data, and credentials that lead to every other account.",
        evidence: "GET /api/v2/users/ without credentials → 200 with 5 records containing e-mail addresses (`email`), password hashes (`password`), bearer tokens (`access_token`); documented as requiring `bearerAuth`; as alice → 200, same data; with an invalid bearer → 401. Credential values in the excerpt are masked.",
        remediation: "Require authentication by default for every route and opt public routes out explicitly; check that the route's permission matches its documentation. Never serialise password hashes, API keys or tokens into API responses.",
        remediation_django: Some("Set `REST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": [\"rest_framework.permissions.IsAuthenticated\"]}` and mark only the truly public views with `permission_classes = [AllowAny]`; remove `AllowAny` (or a `get_permissions` that returns it) from user and account views, and list only safe fields in their serializers."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://cwe.mitre.org/data/definitions/306.html",
            "https://www.django-rest-framework.org/api-guide/permissions/#setting-the-permission-policy",
        ],
    },
};

/// Most routes whose anonymous data is examined further.
const MAX_CANDIDATES: usize = 10;

/// A route that answered anonymously with data.
struct Candidate {
    url: Url,
    anon: Arc<Exchange>,
    documented: bool,
    sensitive: Vec<String>,
}

#[async_trait]
impl Check for UnauthenticatedData {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let hint = SpecHint::from_transcript(ctx);
        let mut routes = ctx.target().routes.clone();
        routes.extend(sibling_versions(&routes));
        let mut candidates = Vec::new();
        for url in routes {
            if candidates.len() >= MAX_CANDIDATES {
                break;
            }
            if let Some(c) = candidate(ctx, hint.as_ref(), url).await? {
                candidates.push(c);
            }
        }
        let mut findings = Vec::new();
        for c in candidates {
            findings.push(judge(ctx, c).await?);
        }
        Ok(findings)
    }
}

/// The route's anonymous answer, if it is data that should have been protected.
async fn candidate(
    ctx: &CheckCtx,
    hint: Option<&SpecHint>,
    url: Url,
) -> Result<Option<Candidate>, CheckError> {
    let documented = documented_get(ctx, hint, &url);
    if documented == Some(Documented::Public) {
        return Ok(None);
    }
    let anon = answer(ctx, &url, Auth::Anonymous).await?;
    let Some(json) = data_of(ctx, &anon) else {
        return Ok(None);
    };
    let documented = documented == Some(Documented::Secured);
    let sensitive = sensitive_values(&json);
    Ok((documented || !sensitive.is_empty()).then_some(Candidate {
        url,
        anon,
        documented,
        sensitive,
    }))
}

/// The JSON body of a successful, real (not soft-404) answer that holds data.
fn data_of(ctx: &CheckCtx, ex: &Exchange) -> Option<Value> {
    if !ex.response.is_success()
        || ctx
            .target()
            .soft404
            .is_missing(ex.request.url.path(), &ex.response)
    {
        return None;
    }
    let v: Value = serde_json::from_slice(&ex.response.body).ok()?;
    (!SpecHint::is_spec_document(&v) && scalar_leaves(&v, 0) >= 2).then_some(v)
}

fn scalar_leaves(v: &Value, depth: usize) -> usize {
    match v {
        _ if depth > 16 => 0,
        Value::Array(a) => a.iter().map(|x| scalar_leaves(x, depth + 1)).sum(),
        Value::Object(o) => o.values().map(|x| scalar_leaves(x, depth + 1)).sum(),
        Value::Null => 0,
        _ => 1,
    }
}

fn email_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")
            .expect("constant regex")
    })
}

/// What kind of sensitive value a field holds, judged by its value (and, for
/// credentials, its name), never by the name alone.
fn classify(key: &str, value: &str) -> Option<&'static str> {
    let k = key.to_ascii_lowercase();
    if value.len() < 4 {
        return None;
    }
    if email_re().is_match(value) {
        return Some("e-mail addresses");
    }
    if value.starts_with("eyJ") && value.matches('.').count() == 2 {
        return Some("bearer tokens");
    }
    let hash_prefixes = [
        "pbkdf2_", "argon2", "$argon2", "$2a$", "$2b$", "$2y$", "bcrypt$", "sha1$", "md5$",
        "scrypt",
    ];
    if hash_prefixes.iter().any(|p| value.starts_with(p)) {
        return Some("password hashes");
    }
    let credential_names = [
        "password",
        "passwd",
        "secret",
        "api_key",
        "apikey",
        "token",
        "private_key",
    ];
    if value.len() >= 8 && credential_names.iter().any(|n| k.contains(n)) {
        return Some("credentials");
    }
    None
}

/// Descriptions like "e-mail addresses (`email`)", sorted, without the values.
fn sensitive_values(v: &Value) -> Vec<String> {
    let mut found: BTreeSet<(&'static str, String)> = BTreeSet::new();
    walk(v, "", &mut found, 0);
    let mut kinds: Vec<String> = Vec::new();
    for kind in found.iter().map(|(k, _)| *k).collect::<BTreeSet<_>>() {
        let fields: Vec<String> = found
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, f)| format!("`{f}`"))
            .take(4)
            .collect();
        kinds.push(format!("{kind} ({})", fields.join(", ")));
    }
    kinds
}

fn walk(v: &Value, key: &str, out: &mut BTreeSet<(&'static str, String)>, depth: usize) {
    if depth > 16 || out.len() > 32 {
        return;
    }
    match v {
        Value::String(s) => {
            if let Some(kind) = classify(key, s) {
                out.insert((kind, key.to_string()));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, key, out, depth + 1)),
        Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, k, out, depth + 1)),
        _ => {}
    }
}

/// The finding for one candidate, with the authenticated and invalid-token answers.
async fn judge(ctx: &CheckCtx, c: Candidate) -> Result<Finding, CheckError> {
    let mut facts = vec![format!(
        "anonymous GET answered {} with {} bytes of JSON",
        c.anon.response.status,
        c.anon.response.body.len()
    )];
    if c.documented {
        facts.push("the OpenAPI document the target serves declares a security requirement for this operation".into());
    }
    if !c.sensitive.is_empty() {
        facts.push(format!(
            "the anonymous answer contains {}",
            c.sensitive.join(", ")
        ));
    }
    if let Some(name) = ctx.target().primary_identity.clone() {
        let authed = answer(ctx, &c.url, Auth::Identity(name.clone())).await?;
        let same = same_content(&authed.response.body, &c.anon.response.body);
        facts.push(format!(
            "as identity `{name}`: {}{}",
            authed.response.status,
            if same {
                ", the same data"
            } else {
                ", different content"
            }
        ));
    }
    let invalid = answer(ctx, &c.url, bearer(garbage_bearer())).await?;
    facts.push(format!(
        "with an invalid bearer token: {}{}",
        invalid.response.status,
        if invalid.response.is_success() {
            ""
        } else {
            " (tokens are checked when sent, yet anonymous callers pass)"
        }
    ));
    Ok(build(ctx, &c, facts))
}

fn build(ctx: &CheckCtx, c: &Candidate, facts: Vec<String>) -> Finding {
    let (severity, confidence) = match (c.documented, !c.sensitive.is_empty()) {
        (true, true) => (Severity::High, Confidence::Confirmed),
        (false, true) => (Severity::High, Confidence::Firm),
        _ => (Severity::Medium, Confidence::Firm),
    };
    let title = if c.sensitive.is_empty() {
        "Route documented as authenticated answers anonymous callers with data"
    } else {
        "Sensitive data returned without credentials"
    };
    let mut f = ctx
        .finding(&c.anon, title, None)
        .with_severity(severity)
        .with_confidence(confidence);
    for fact in facts {
        f = f.with_fact(fact);
    }
    for ex in &mut f.evidence.exchanges {
        if let Some(r) = ex.response.as_mut() {
            r.body_excerpt = crate::mask::text(&r.body_excerpt);
            r.highlight = None;
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Identity, ProbeRequest};
    use crate::testkit::{serve, Fixture, RawResponse};
    use tollgate_core::Secret;

    const USERS: &str = r#"{"count":1,"results":[{"id":1,"email":"alice@shop.test","password":"pbkdf2_sha256$870000$abc$0123456789abcdef","api_key":"tgk_live_00112233445566778899aabbccddeeff"}]}"#;
    const PRODUCTS: &str = r#"{"count":2,"results":[{"id":1,"name":"mug","price":"9.50"},{"id":2,"name":"cap","price":"12.00"}]}"#;
    const SPEC: &str = r#"{"openapi":"3.0.3","security":[{"bearerAuth":[]}],"paths":{"/api/v2/products/":{"get":{"security":[]}},"/api/v2/users/":{"get":{}},"/api/v2/stats/":{"get":{}}}}"#;

    /// Users and stats are open to anyone (the bug); products are public by design;
    /// invalid tokens are refused everywhere.
    async fn target(protect_users: bool) -> String {
        let addr = serve(move |req| {
            let auth = req.header("authorization").unwrap_or("");
            if auth.contains("invalid") {
                return RawResponse::new(401, r#"{"detail":"bad token"}"#);
            }
            let json =
                |b: &str| RawResponse::new(200, b).header("content-type", "application/json");
            match req.path.as_str() {
                "/api/schema/openapi.json" => json(SPEC),
                "/api/v2/products/" => json(PRODUCTS),
                "/api/v2/users/" if protect_users && auth.is_empty() => RawResponse::new(401, "{}"),
                "/api/v2/users/" => json(USERS),
                "/api/v2/stats/" if protect_users && auth.is_empty() => RawResponse::new(401, "{}"),
                "/api/v2/stats/" => json(r#"{"orders_today":12,"revenue":"1200.00"}"#),
                _ => RawResponse::new(404, "{}"),
            }
        })
        .await;
        format!("http://{addr}/")
    }

    async fn run(protect_users: bool) -> Vec<Finding> {
        let base = target(protect_users).await;
        let (engine, ctx) = Fixture::new(&base)
            .identity(Identity::bearer(
                "alice",
                Secret::new("alice-token-0123456789"),
            ))
            .route("/api/schema/openapi.json")
            .route("/api/v2/products/")
            .route("/api/v2/users/")
            .route("/api/v2/stats/")
            .ctx(&META);
        // What discovery records: every route anonymously.
        for r in &ctx.target().routes {
            engine
                .send(None, ProbeRequest::get(r.clone()))
                .await
                .expect("seed");
        }
        UnauthenticatedData.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn fires_on_open_user_directory_and_documented_route() {
        let f = run(false).await;
        assert_eq!(f.len(), 2, "{f:#?}");
        let users = f
            .iter()
            .find(|f| f.location.to_string().contains("/users/"))
            .expect("users");
        assert_eq!(users.severity, Severity::High);
        assert_eq!(users.confidence, Confidence::Confirmed);
        let facts = users.evidence.facts.join("\n");
        assert!(facts.contains("e-mail addresses (`email`)"), "{facts}");
        assert!(facts.contains("password hashes (`password`)"), "{facts}");
        assert!(facts.contains("invalid bearer token: 401"), "{facts}");
        let excerpt = &users.evidence.exchanges[0]
            .response
            .as_ref()
            .expect("resp")
            .body_excerpt;
        assert!(
            !excerpt.contains("00112233445566778899aabbccddeeff"),
            "{excerpt}"
        );
        let stats = f
            .iter()
            .find(|f| f.location.to_string().contains("/stats/"))
            .expect("stats");
        assert_eq!(stats.severity, Severity::Medium);
        assert!(f
            .iter()
            .all(|f| !f.location.to_string().contains("/products/")));
    }

    #[tokio::test]
    async fn silent_when_protected_and_on_public_catalogue() {
        assert!(run(true).await.is_empty());
    }

    #[test]
    fn sensitive_values_need_values_not_just_names() {
        let v: Value = serde_json::from_str(
            r#"{"email":"","password":null,"token_type":"Bearer","name":"mug"}"#,
        )
        .expect("json");
        assert!(sensitive_values(&v).is_empty());
        let v: Value = serde_json::from_str(USERS).expect("json");
        assert_eq!(sensitive_values(&v).len(), 3, "{:?}", sensitive_values(&v));
    }
}
