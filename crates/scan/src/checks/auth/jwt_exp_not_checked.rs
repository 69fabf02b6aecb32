//! AUTH-012: expired tokens accepted (`exp` not verified).

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{
    accepted, edited_claims, forged_facts, forger, fresh_jti, now, primary_jwt, probe_endpoints,
    send_token, MAX_PROBE_ROUTES,
};
use async_trait::async_trait;
use serde_json::Value;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct JwtExpNotChecked;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-012"),
    name: "JWT expiry not checked",
    category: Category::Authentication,
    severity: Severity::Medium,
    cwe: 613,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 18,
    docs: CheckDocs {
        what: "When tollgate can sign tokens the API accepts (the primary identity's HMAC secret cracked offline, or `alg: none` accepted), it forges a copy of the identity's token that expired an hour ago (`exp` = now − 3600, `iat`/`nbf` moved back accordingly, a fresh `jti`) and sends it to a route that refuses anonymous callers. Accepted means the same answer as the original token. Skipped when no forgery is possible: the server's own expiry check cannot be observed without a valid signature.",
        why: "Expiry is what limits the damage of a stolen token: a token in a log, a browser cache or a leaked backup stays valid forever if `exp` is never checked, and revocation by waiting for expiry does not happen.",
        evidence: "GET /api/v2/me/ with a token signed with the cracked secret, claims `{\"exp\": <an hour ago>, …}` → 200, the same as alice's valid token.",
        remediation: "Verify `exp` (and `nbf`) on every request with at most a small leeway, and require the claim to be present; keep access-token lifetimes short and use refresh tokens for long sessions.",
        remediation_django: Some("Do not pass `options={\"verify_exp\": False}` to PyJWT's `jwt.decode`; add `options={\"require\": [\"exp\", \"iat\"]}` and keep the default `leeway` small. djangorestframework-simplejwt verifies expiry by default; do not override `AccessToken.verify`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4",
            "https://cwe.mitre.org/data/definitions/613.html",
        ],
    },
};

/// The identity's claims, expired an hour ago.
pub fn expired_claims(claims: &mut serde_json::Map<String, Value>) {
    let now = now();
    claims.insert("exp".into(), Value::from(now - 3600));
    for k in ["iat", "nbf"] {
        if claims.contains_key(k) {
            claims.insert(k.into(), Value::from(now - 7200));
        }
    }
    fresh_jti(claims);
}

#[async_trait]
impl Check for JwtExpNotChecked {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let (name, token) = primary_jwt(ctx)?;
        let probes = probe_endpoints(ctx, &name, MAX_PROBE_ROUTES).await?;
        let mut way = Err(CheckError::Skipped(
            "no protected route to forge for".into(),
        ));
        for probe in &probes {
            way = forger(ctx, &token, probe).await;
            if way.is_ok() {
                break;
            }
        }
        let forger = way?;
        let forged = forger.forge(&token, &edited_claims(&token, expired_claims))?;
        let mut hit = None;
        for probe in &probes {
            let ex = send_token(ctx, &probe.url, &forged).await?;
            if accepted(&probe.authed, &ex) {
                hit = Some(ex);
                break;
            }
        }
        let Some(ex) = hit else {
            return Ok(Vec::new());
        };
        let mut f = ctx
            .finding(&ex, "Expired JWT accepted", None)
            .with_confidence(Confidence::Confirmed)
            .with_fact(format!(
                "a copy of identity `{name}`'s token that expired an hour ago got the same answer ({}) as the valid token",
                ex.response.status
            ))
            .with_fact(forger.describe());
        for fact in forged_facts(&forged) {
            f = f.with_fact(fact);
        }
        Ok(vec![f])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::auth::test_support::{assert_token_absent, run_with, Flaws};

    #[tokio::test]
    async fn fires_when_expired_forgery_passes() {
        let (f, token) = run_with(Flaws::all(), &META, &JwtExpNotChecked).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0]
            .evidence
            .facts
            .iter()
            .any(|x| x.contains("cracked secret `secret`")));
        assert_token_absent(&f, &token);
    }

    #[tokio::test]
    async fn fires_through_alg_none_when_the_secret_is_strong() {
        let flaws = Flaws {
            secret_is_weak: false,
            ..Flaws::all()
        };
        let (f, _) = run_with(flaws, &META, &JwtExpNotChecked).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].evidence.facts.iter().any(|x| x.contains("unsigned")));
    }

    #[tokio::test]
    async fn silent_when_exp_is_verified() {
        let flaws = Flaws {
            skip_exp: false,
            ..Flaws::all()
        };
        assert!(run_with(flaws, &META, &JwtExpNotChecked).await.0.is_empty());
    }
}
