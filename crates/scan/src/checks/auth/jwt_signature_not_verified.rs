//! AUTH-016: the token's signature is not verified at all.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{
    accepted, forged_facts, primary_jwt, probe_endpoints, send_token, MAX_PROBE_ROUTES,
};
use crate::jwt::Alg;
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct JwtSignatureNotVerified;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-016"),
    name: "JWT signature not verified",
    category: Category::Authentication,
    severity: Severity::Critical,
    cwe: 347,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 18,
    docs: CheckDocs {
        what: "Sends the primary identity's JWT with its signature replaced by random bytes of the same length (header and payload unchanged), and with the signature removed, to a route that refuses anonymous callers and accepts the original. Either copy getting the same answer as the original means the server reads the claims without checking the signature. A control with an invalid bearer token must be refused first. The random signature shares nothing with the original.",
        why: "Without signature verification the token is just a base64 note from the caller: edit the `sub`, `role` or `exp` and the server believes it.",
        evidence: "GET /api/v2/me/ with `Bearer $TOKEN.$TOKEN.Xq3…` (alice's header and claims, a random signature) → 200, the same as her real token.",
        remediation: "Always verify the signature with the expected key and algorithm before reading any claim; use the verifying decode function of your JWT library, never a decode-only or \"unverified\" helper, for authentication.",
        remediation_django: Some("Use `jwt.decode(token, key, algorithms=[\"HS256\"])`; never `jwt.decode(..., options={\"verify_signature\": False})` or `jwt.get_unverified_claims`/manual base64 decoding in the authentication class."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://www.rfc-editor.org/rfc/rfc8725#section-3.1",
            "https://cwe.mitre.org/data/definitions/347.html",
        ],
    },
};

/// Random bytes, `len` of them.
fn random_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|_| fastrand::u8(..)).collect()
}

#[async_trait]
impl Check for JwtSignatureNotVerified {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let (name, token) = primary_jwt(ctx)?;
        let sig_len = token.signature().map(|s| s.len()).unwrap_or(0);
        if token.alg() == Alg::None || sig_len == 0 {
            return Err(CheckError::Skipped(
                "the identity's token is unsigned".into(),
            ));
        }
        for probe in probe_endpoints(ctx, &name, MAX_PROBE_ROUTES).await? {
            let variants = [
                (
                    "a random signature of the same length",
                    token.with_signature(&random_bytes(sig_len)),
                ),
                ("no signature", format!("{}.", token.signing_input())),
            ];
            for (what, forged) in variants {
                let ex = send_token(ctx, &probe.url, &forged).await?;
                if !accepted(&probe.authed, &ex) {
                    continue;
                }
                let mut f = ctx
                    .finding(&ex, "JWT signature not verified", None)
                    .with_confidence(Confidence::Confirmed)
                    .with_fact(format!(
                        "identity `{name}`'s token with {what} got the same answer ({}) as the original",
                        ex.response.status
                    ));
                for fact in forged_facts(&forged) {
                    f = f.with_fact(fact);
                }
                return Ok(vec![f]);
            }
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::auth::test_support::{assert_token_absent, run_with, Flaws};

    #[tokio::test]
    async fn fires_when_signatures_are_ignored() {
        let flaws = Flaws {
            skip_signature: true,
            secret_is_weak: false,
            ..Flaws::all()
        };
        let (f, token) = run_with(flaws, &META, &JwtSignatureNotVerified).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_token_absent(&f, &token);
    }

    #[tokio::test]
    async fn silent_when_signatures_are_verified() {
        assert!(run_with(Flaws::all(), &META, &JwtSignatureNotVerified)
            .await
            .0
            .is_empty());
    }

    #[tokio::test]
    async fn finds_the_route_whose_router_does_not_verify() {
        use crate::checks::auth::test_support::assert_finds_the_unverifying_router;
        let vulnerable = Flaws {
            secret_is_weak: false,
            reports_decode_only: true,
            ..Flaws::all()
        };
        let safe = Flaws {
            secret_is_weak: false,
            ..Flaws::all()
        };
        assert_finds_the_unverifying_router(vulnerable, safe, &META, &JwtSignatureNotVerified)
            .await;
    }
}
