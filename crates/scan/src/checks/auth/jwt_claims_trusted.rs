//! AUTH-014: role and scope claims decide access, unchecked (elevated role accepted,
//! missing scope ignored).

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{
    accepted, edited_claims, forged_facts, forger, fresh_jti, garbage_bearer, is_denied,
    primary_jwt, probe_endpoint, recorded, send_token, Forger, Protected,
};
use crate::jwt::Token;
use async_trait::async_trait;
use serde_json::{Map, Value};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};
use url::Url;

pub struct JwtClaimsTrusted;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-014"),
    name: "JWT role or scope claims not enforced",
    category: Category::Authentication,
    severity: Severity::High,
    cwe: 285,
    owasp: Owasp::Api5,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 19,
    docs: CheckDocs {
        what: "When tollgate can sign tokens the API accepts (the primary identity's HMAC secret cracked offline, or `alg: none` accepted), it tests whether authorization follows the token's claims rather than the server's own records. Elevation: on routes that answer the identity 403, a copy of its token with `role: admin`, `admin` added to `scope`/`roles` and admin flags set true; a success there means a claim alone grants administrator access. Scope: on routes the identity reaches and that refuse an invalid bearer token, a copy whose `scope` lacks every scope naming the route (e.g. `orders:read` and `orders:write` for `/orders/`); the same answer means the scope is not enforced. GET only.",
        why: "If the server believes the role in the token, anyone who can mint or alter a token (a weak secret, `alg: none`) is an administrator; if scopes are ignored, a token deliberately limited to read-only or to one resource opens everything its user can reach, defeating least-privilege delegation.",
        evidence: "GET /api/v2/admin/settings/ as alice → 403; with a forged copy of her token carrying `role: admin` → 200. GET /api/v2/orders/ with a copy whose scope is `profile:read` → 200, the same as with `orders:read`.",
        remediation: "Decide administrator rights from the server's own records (database roles, group membership), not from token claims the API itself cannot vouch for; enforce the scope each operation requires on every request, and refuse tokens that lack it with 403 `insufficient_scope`.",
        remediation_django: Some("Check `request.user.is_staff` (or group membership) from the database in the permission class rather than `request.auth[\"role\"]`, and give each view a permission that requires its scope, e.g. a `HasScope(\"orders:read\")` permission per HTTP method, applied in production as in tests."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/",
            "https://www.rfc-editor.org/rfc/rfc6750#section-3.1",
            "https://www.rfc-editor.org/rfc/rfc9068#section-4",
            "https://cwe.mitre.org/data/definitions/285.html",
        ],
    },
};

/// Routes tested per kind.
const MAX_ROUTES: usize = 4;

/// Scope words that name an action, not a resource.
const ACTIONS: &[&str] = &[
    "read", "write", "admin", "all", "api", "full", "access", "openid", "profile",
];

/// The claims with an administrator role, scope and flags.
pub fn elevate(c: &mut Map<String, Value>) {
    c.insert("role".into(), Value::from("admin"));
    if let Some(Value::Array(roles)) = c.get_mut("roles") {
        roles.push(Value::from("admin"));
    }
    for key in ["scope", "scp"] {
        if let Some(Value::String(s)) = c.get_mut(key) {
            s.push_str(" admin");
        }
    }
    if !c.contains_key("scope") && !c.contains_key("scp") {
        c.insert("scope".into(), Value::from("admin"));
    }
    for flag in [
        "is_admin",
        "admin",
        "is_staff",
        "staff",
        "is_superuser",
        "superuser",
    ] {
        if c.get(flag).is_some_and(Value::is_boolean) {
            c.insert(flag.into(), Value::from(true));
        }
    }
    fresh_jti(c);
}

/// The scopes in `scope` that name one of the URL's path segments.
pub fn scopes_naming(url: &Url, scope: &str) -> Vec<String> {
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(|x| x.to_ascii_lowercase()).collect())
        .unwrap_or_default();
    let names = |w: &str| {
        segments
            .iter()
            .any(|s| s == w || s.trim_end_matches('s') == w.trim_end_matches('s'))
    };
    scope
        .split_whitespace()
        .filter(|sc| {
            sc.to_ascii_lowercase()
                .split([':', '.', '/'])
                .any(|part| part.len() >= 3 && !ACTIONS.contains(&part) && names(part))
        })
        .map(str::to_string)
        .collect()
}

#[async_trait]
impl Check for JwtClaimsTrusted {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let (name, token) = primary_jwt(ctx)?;
        let probe = probe_endpoint(ctx, &name).await?;
        let forger = forger(ctx, &token, &probe).await?;
        let mut findings = Vec::new();
        for url in forbidden_routes(ctx, &name) {
            findings.extend(elevation(ctx, &name, &token, &forger, &url).await?);
        }
        for p in crate::checks::kit::token_probes::protected_routes(ctx, &name)
            .into_iter()
            .take(MAX_ROUTES)
        {
            findings.extend(scope_ignored(ctx, &name, &token, &forger, &p).await?);
        }
        Ok(findings)
    }
}

/// Discovered routes that refuse anonymous callers and answer the identity 403.
fn forbidden_routes(ctx: &CheckCtx, name: &str) -> Vec<Url> {
    crate::checks::kit::token_probes::known_routes(ctx)
        .into_iter()
        .filter(|u| {
            let anon = recorded(ctx, u, None).is_some_and(|e| is_denied(e.response.status));
            let authed = recorded(ctx, u, Some(name)).is_some_and(|e| e.response.status == 403);
            anon && authed
        })
        .take(MAX_ROUTES)
        .collect()
}

async fn elevation(
    ctx: &CheckCtx,
    name: &str,
    token: &Token,
    forger: &Forger,
    url: &Url,
) -> Result<Option<Finding>, CheckError> {
    let forged = forger.forge(token, &edited_claims(token, elevate))?;
    let ex = send_token(ctx, url, &forged).await?;
    if !ex.response.is_success() {
        return Ok(None);
    }
    let mut f = ctx
        .finding(
            &ex,
            "Administrator access granted by a role claim in the token",
            None,
        )
        .with_confidence(Confidence::Confirmed)
        .with_key("role")
        .with_fact(format!(
            "identity `{name}` gets 403 here; a copy of its token claiming `role: admin` got {}",
            ex.response.status
        ))
        .with_fact(forger.describe());
    for fact in forged_facts(&forged) {
        f = f.with_fact(fact);
    }
    Ok(Some(f))
}

async fn scope_ignored(
    ctx: &CheckCtx,
    name: &str,
    token: &Token,
    forger: &Forger,
    p: &Protected,
) -> Result<Option<Finding>, CheckError> {
    let Some(scope) = token.claims().get("scope").and_then(Value::as_str) else {
        return Ok(None);
    };
    let dropped = scopes_naming(&p.url, scope);
    if dropped.is_empty() || accepts_garbage(ctx, p).await? {
        return Ok(None);
    }
    let kept: Vec<&str> = scope
        .split_whitespace()
        .filter(|s| !dropped.iter().any(|d| d == s))
        .collect();
    let claims = edited_claims(token, |c| {
        c.insert("scope".into(), Value::from(kept.join(" ")));
        fresh_jti(c);
    });
    let forged = forger.forge(token, &claims)?;
    let ex = send_token(ctx, &p.url, &forged).await?;
    if !accepted(&p.authed, &ex) {
        return Ok(None);
    }
    let mut f =
        ctx.finding(&ex, "Token scope not enforced", None)
            .with_severity(Severity::Medium)
            .with_confidence(Confidence::Confirmed)
            .with_key("scope")
            .with_fact(format!(
            "a copy of identity `{name}`'s token without {} (scope `{}`) got the same answer ({})",
            dropped.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", "),
            kept.join(" "),
            ex.response.status
        ))
            .with_fact(forger.describe());
    for fact in forged_facts(&forged) {
        f = f.with_fact(fact);
    }
    Ok(Some(f))
}

/// Whether the route takes an invalid bearer token too (then any token passes, which
/// is AUTH-002's finding, not a scope problem).
async fn accepts_garbage(ctx: &CheckCtx, p: &Protected) -> Result<bool, CheckError> {
    let ex = send_token(ctx, &p.url, garbage_bearer()).await?;
    Ok(ex.response.is_success())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::auth::test_support::{assert_token_absent, run_with, Flaws};

    #[test]
    fn scopes_naming_the_route() {
        let u = Url::parse("http://h/api/v2/orders/").expect("url");
        assert_eq!(
            scopes_naming(&u, "orders:read orders:write profile:read"),
            ["orders:read", "orders:write"]
        );
        assert_eq!(scopes_naming(&u, "read:order"), ["read:order"]);
        let me = Url::parse("http://h/api/v2/me/").expect("url");
        assert!(scopes_naming(&me, "orders:read profile:read").is_empty());
    }

    #[tokio::test]
    async fn fires_on_trusted_role_and_ignored_scope() {
        let (f, token) = run_with(Flaws::all(), &META, &JwtClaimsTrusted).await;
        assert_eq!(f.len(), 2, "{f:#?}");
        let role = f
            .iter()
            .find(|f| f.location.to_string().contains("/api/admin/"))
            .expect("role");
        assert_eq!(role.severity, Severity::High);
        let scope = f
            .iter()
            .find(|f| f.location.to_string().contains("/api/orders/"))
            .expect("scope");
        assert_eq!(scope.severity, Severity::Medium);
        assert_token_absent(&f, &token);
    }

    #[tokio::test]
    async fn silent_when_the_server_decides() {
        let flaws = Flaws {
            trust_role_claim: false,
            ignore_scopes: false,
            ..Flaws::all()
        };
        assert!(run_with(flaws, &META, &JwtClaimsTrusted).await.0.is_empty());
    }
}
