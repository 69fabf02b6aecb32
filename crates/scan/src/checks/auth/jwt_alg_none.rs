//! AUTH-010: unsigned tokens (`alg: none`) accepted.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{
    accepted, forged_facts, header_with_alg, primary_jwt, probe_endpoints, send_token,
    MAX_PROBE_ROUTES,
};
use crate::engine::Exchange;
use crate::jwt::Signer;
use async_trait::async_trait;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct JwtAlgNone;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-010"),
    name: "JWT with alg none accepted",
    category: Category::Authentication,
    severity: Severity::Critical,
    cwe: 347,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 30,
    docs: CheckDocs {
        what: "Re-signs the primary identity's JWT with `alg` set to `none`, `None`, `NONE` and `nOnE` and an empty signature (the payload kept byte for byte), and sends each to a route that refuses anonymous callers and accepts the original. A variant is accepted when it gets the same answer as the original token; a control with an invalid bearer token must be refused first.",
        why: "A server that accepts unsigned tokens trusts whatever claims the caller writes: anyone can become any user, or an administrator, with no key at all.",
        evidence: "GET /api/v2/me/ with `Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.$TOKEN.` (header `{\"alg\":\"none\",\"typ\":\"JWT\"}`, alice's claims, no signature) → 200 with alice's profile, the same as her real token.",
        remediation: "Verify tokens with an explicit allow-list of algorithms that contains only the one you issue (e.g. `HS256` or `RS256`), never the algorithm named in the token's header, and reject `none` in any capitalisation.",
        remediation_django: Some("With PyJWT always pass `algorithms=[\"HS256\"]` (or your one algorithm) to `jwt.decode` and never branch on `jwt.get_unverified_header(token)[\"alg\"]`; with djangorestframework-simplejwt keep `SIMPLE_JWT[\"ALGORITHM\"]` to one signed algorithm."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://cheatsheetseries.owasp.org/cheatsheets/JSON_Web_Token_for_Java_Cheat_Sheet.html",
            "https://www.rfc-editor.org/rfc/rfc8725#section-3.1",
            "https://cwe.mitre.org/data/definitions/347.html",
        ],
    },
};

/// The capitalisations tried.
pub const VARIANTS: &[&str] = &["none", "None", "NONE", "nOnE"];

#[async_trait]
impl Check for JwtAlgNone {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let (name, token) = primary_jwt(ctx)?;
        let mut found = None;
        for probe in probe_endpoints(ctx, &name, MAX_PROBE_ROUTES).await? {
            let mut hits: Vec<(&str, String, Arc<Exchange>)> = Vec::new();
            for alg in VARIANTS {
                let forged = token
                    .forge_header(&header_with_alg(&token, alg), &Signer::Unsigned)
                    .map_err(|e| CheckError::Skipped(format!("cannot re-sign the token: {e}")))?;
                let ex = send_token(ctx, &probe.url, &forged).await?;
                if accepted(&probe.authed, &ex) {
                    hits.push((alg, forged, ex));
                }
            }
            if !hits.is_empty() {
                found = Some((probe, hits));
                break;
            }
        }
        let Some((probe, hits)) = found else {
            return Ok(Vec::new());
        };
        let (_, forged, ex) = &hits[0];
        let algs: Vec<String> = hits.iter().map(|(a, _, _)| format!("`{a}`")).collect();
        let mut f = ctx
            .finding(ex, "Unsigned JWT (alg none) accepted", None)
            .with_confidence(Confidence::Confirmed)
            .with_fact(format!(
                "unsigned copies of identity `{name}`'s token were accepted with alg {} (of {} tried)",
                algs.join(", "),
                VARIANTS.len()
            ))
            .with_fact(format!(
                "the answer matched the original token's ({}); an invalid bearer token was refused",
                probe.authed.response.status
            ));
        for fact in forged_facts(forged) {
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
    async fn fires_when_unsigned_tokens_pass() {
        let (f, token) = run_with(Flaws::all(), &META, &JwtAlgNone).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        let facts = f[0].evidence.facts.join("\n");
        assert!(facts.contains("`none`, `None`, `NONE`, `nOnE`"), "{facts}");
        assert!(
            facts.contains("forged header: {\"alg\":\"none\""),
            "{facts}"
        );
        assert_token_absent(&f, &token);
    }

    #[tokio::test]
    async fn silent_when_signatures_are_required() {
        let flaws = Flaws {
            alg_none: false,
            ..Flaws::all()
        };
        assert!(run_with(flaws, &META, &JwtAlgNone).await.0.is_empty());
    }

    #[tokio::test]
    async fn finds_the_route_whose_router_does_not_verify() {
        use crate::checks::auth::test_support::assert_finds_the_unverifying_router;
        let vulnerable = Flaws {
            alg_none: false,
            reports_decode_only: true,
            ..Flaws::all()
        };
        let safe = Flaws {
            alg_none: false,
            ..Flaws::all()
        };
        assert_finds_the_unverifying_router(vulnerable, safe, &META, &JwtAlgNone).await;
    }
}
