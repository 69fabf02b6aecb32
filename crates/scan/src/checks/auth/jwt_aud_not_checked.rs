//! AUTH-013: tokens for another audience (or issuer) accepted.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{
    accepted, edited_claims, forged_facts, forger, fresh_jti, primary_jwt, probe_endpoint,
    send_token, Forger, Protected,
};
use crate::jwt::Token;
use async_trait::async_trait;
use serde_json::Value;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct JwtAudNotChecked;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-013"),
    name: "JWT audience not checked",
    category: Category::Authentication,
    severity: Severity::Medium,
    cwe: 287,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 9,
    docs: CheckDocs {
        what: "When tollgate can sign tokens the API accepts (the primary identity's HMAC secret cracked offline, or `alg: none` accepted), it forges copies of the identity's token with a foreign audience (`aud` = `https://tollgate-other-audience.invalid`) and, when the token names one, a foreign issuer (`iss`), and sends each to a route that refuses anonymous callers. Accepted means the same answer as the original token; each claim is reported on its own. Claims the original token lacks are not tested (AUTH-015 reports them missing).",
        why: "Audience and issuer checks are what keep a token minted for one service, or by another identity provider or tenant, from opening this one. Without them, a token for the low-value staging app or a partner API is a key to production.",
        evidence: "GET /api/v2/me/ with a forged token whose `aud` is `https://tollgate-other-audience.invalid` → 200, the same as alice's token for `tollgate-testbed-api`.",
        remediation: "Verify `aud` against this API's own identifier and `iss` against the expected issuer on every request, and require both claims.",
        remediation_django: Some("Pass `audience=\"<this api>\"` and `issuer=\"<your issuer>\"` to PyJWT's `jwt.decode` with `options={\"require\": [\"aud\", \"iss\"]}` and without `verify_aud: False`; with djangorestframework-simplejwt set `SIMPLE_JWT[\"AUDIENCE\"]` and `SIMPLE_JWT[\"ISSUER\"]`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://www.rfc-editor.org/rfc/rfc8725#section-3.9",
            "https://www.rfc-editor.org/rfc/rfc7519#section-4.1.3",
            "https://cwe.mitre.org/data/definitions/287.html",
        ],
    },
};

const FOREIGN_AUD: &str = "https://tollgate-other-audience.invalid";
const FOREIGN_ISS: &str = "https://tollgate-other-issuer.invalid";

/// The claim's value replaced by `foreign`, keeping its shape (string or list).
fn foreign(v: &Value, foreign: &str) -> Value {
    match v {
        Value::Array(_) => Value::from(vec![foreign]),
        _ => Value::from(foreign),
    }
}

#[async_trait]
impl Check for JwtAudNotChecked {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let (name, token) = primary_jwt(ctx)?;
        let probes: Vec<(&str, &str)> = [("aud", FOREIGN_AUD), ("iss", FOREIGN_ISS)]
            .into_iter()
            .filter(|(claim, _)| token.claims().contains_key(*claim))
            .collect();
        if probes.is_empty() {
            return Err(CheckError::Skipped(
                "the identity's token has neither `aud` nor `iss`".into(),
            ));
        }
        let probe = probe_endpoint(ctx, &name).await?;
        let forger = forger(ctx, &token, &probe).await?;
        let mut findings = Vec::new();
        for (claim, value) in probes {
            if let Some(f) = try_claim(ctx, &name, &token, &probe, &forger, claim, value).await? {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

async fn try_claim(
    ctx: &CheckCtx,
    name: &str,
    token: &Token,
    probe: &Protected,
    forger: &Forger,
    claim: &str,
    value: &str,
) -> Result<Option<Finding>, CheckError> {
    let claims = edited_claims(token, |c| {
        let v = c
            .get(claim)
            .map(|v| foreign(v, value))
            .unwrap_or_else(|| Value::from(value));
        c.insert(claim.into(), v);
        fresh_jti(c);
    });
    let forged = forger.forge(token, &claims)?;
    let ex = send_token(ctx, &probe.url, &forged).await?;
    if !accepted(&probe.authed, &ex) {
        return Ok(None);
    }
    let what = if claim == "aud" { "audience" } else { "issuer" };
    let mut f = ctx
        .finding(&ex, format!("JWT {what} (`{claim}`) not checked"), None)
        .with_confidence(Confidence::Confirmed)
        .with_key(claim)
        .with_fact(format!(
            "a copy of identity `{name}`'s token with `{claim}` = `{value}` got the same answer ({}) as the original",
            ex.response.status
        ))
        .with_fact(forger.describe());
    for fact in forged_facts(&forged) {
        f = f.with_fact(fact);
    }
    Ok(Some(f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::auth::test_support::{assert_token_absent, run_with, Flaws};

    #[tokio::test]
    async fn fires_for_audience_and_issuer() {
        let (f, token) = run_with(Flaws::all(), &META, &JwtAudNotChecked).await;
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[0].title.contains("audience"));
        assert!(f[0].evidence.facts.iter().any(|x| x.contains(FOREIGN_AUD)));
        assert_ne!(f[0].fingerprint, f[1].fingerprint);
        assert_token_absent(&f, &token);
    }

    #[tokio::test]
    async fn silent_when_audience_is_verified() {
        let flaws = Flaws {
            skip_aud: false,
            ..Flaws::all()
        };
        assert!(run_with(flaws, &META, &JwtAudNotChecked).await.0.is_empty());
    }
}
