//! SSRF-004: the API sends a credential along when it fetches a caller-chosen URL.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::ssrf_probe::{
    callback_probe, candidates, has_budget, param_finding, prepare, SSRF_HUNT,
};
use crate::engine::Auth;
use crate::oast::{Hit, Probe};
use async_trait::async_trait;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Owasp, Redactor,
    SafetyClass, Severity,
};

pub struct ForwardedCredentials;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SSRF-004"),
    name: "Token forwarded to an attacker-controlled URL",
    category: Category::Ssrf,
    severity: Severity::Critical,
    cwe: 522,
    owasp: Owasp::Api7,
    safety: SafetyClass::Safe,
    methods: &[HttpMethod::Get],
    budget: 40,
    docs: CheckDocs {
        what: "Sends each URL-taking query parameter a callback URL on tollgate's listener (the same probes as SSRF-002) and inspects the callbacks: when one carries `Authorization`, `Proxy-Authorization`, `X-Api-Key`, `Api-Key`, `X-Auth-Token` or `Cookie`, the API handed a credential to a host the caller chose. When an anonymous probe calls back without one, the probe is repeated as the primary identity to see whether the caller's own token is passed on. The listener records the header masked (scheme kept, the credential in the one masked shape `abcd…wxyz`); the user's own token shows as `$TOKEN`.",
        why: "Whoever controls the URL receives a working credential: often the API's own service account token, with more rights than any user (here, staff and admin scope), or the victim's bearer token replayed by a proxy endpoint. That is account or platform takeover from one unauthenticated GET.",
        evidence: "GET /api/v2/fetch/?url=http://127.0.0.1:41231/9f3c…e1 → the listener received `GET /9f3c…e1` with `Authorization: Bearer eyJh…Q1xk (212 chars)`, a credential tollgate never sent.",
        remediation: "Never attach credentials to requests for caller-supplied URLs. Build outbound clients per destination, with credentials only for the allow-listed hosts that need them, and strip `Authorization`/`Cookie` on redirects. Rotate the exposed credential.",
        remediation_django: Some("Use a plain `requests.Session()` without default `Authorization` headers for link previews and webhooks; keep service tokens in a separate session bound to the internal base URL, set `allow_redirects=False` (requests keeps headers on same-host redirects), and rotate the service account's token."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa7-server-side-request-forgery/",
            "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
            "https://cwe.mitre.org/data/definitions/522.html",
        ],
    },
};

/// Controls, the callback probe, and the repeat as the identity.
const PER_CANDIDATE: u32 = 4;

#[async_trait]
impl Check for ForwardedCredentials {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let callbacks = ctx.reach().callbacks().map_err(CheckError::Skipped)?;
        for cand in candidates(ctx, &SSRF_HUNT) {
            if !has_budget(ctx, PER_CANDIDATE) {
                break;
            }
            let Some(prep) = prepare(ctx, cand).await else {
                continue;
            };
            let Some(probe) = callback_probe(ctx, &prep, None, Some(judge)).await else {
                continue;
            };
            let hits = callbacks.hits(&probe);
            let bare = !hits.is_empty() && hits.iter().all(|h| h.credentials.is_empty());
            if let (true, None, Some(id)) = (bare, &prep.identity, &ctx.target().primary_identity) {
                let as_id = (Auth::Identity(id.clone()), Some(id.clone()));
                callback_probe(ctx, &prep, Some(as_id), Some(judge)).await;
            }
        }
        Ok(callbacks.collect(Some(&META.id), ctx.redactor()))
    }
}

/// A finding when a callback carried a credential header.
pub fn judge(probe: &Probe, hits: &[Hit], redactor: &Redactor) -> Option<Finding> {
    let hit = hits.iter().find(|h| !h.credentials.is_empty())?;
    let cred = hit.credentials.first()?;
    let (name, value, own) = (&cred.header, &cred.shown, cred.callers_own);
    let whose = if own {
        "the caller's own credential (the identity tollgate sent)"
    } else {
        "a credential tollgate never sent: the API's own"
    };
    let param = &probe.key.parameter;
    let title = format!(
        "Token forwarded to attacker-controlled URL: the API sends `{name}` to the URL given in `{param}`"
    );
    let who = probe
        .key
        .identity
        .as_ref()
        .map_or("anonymously".to_string(), |i| format!("as identity `{i}`"));
    let f = param_finding(
        &META,
        probe.exchange.as_deref(),
        &probe.key.url,
        param,
        title,
        None,
        redactor,
    )
    .with_key(&format!("{name}:{}", if own { "caller" } else { "api" }))
    .with_confidence(Confidence::Confirmed)
    .with_fact(hit.describe(probe))
    .with_fact(format!("`{name}: {value}` in the callback: {whose}"))
    .with_fact(format!("probe sent {who}; callback URL {}", probe.callback));
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::oast::fake_target::{self, Fake, Mode};
    use crate::testkit::Fixture;
    use tollgate_core::Secret;

    const SVC: &str =
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1Iiwicm9sZSI6ImFkbWluIn0.c2lnbmF0dXJlLXZhbHVlLXN2Yw";

    #[tokio::test]
    async fn fires_on_the_apis_own_token_and_never_shows_it() {
        let mut fake = Fake::new(Mode::Reflect);
        fake.forward_auth = Some(format!("Bearer {SVC}"));
        let (addr, _) = fake_target::serve(fake).await;
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://e.example/"], vec![], &META).await;
        let f = ForwardedCredentials.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Critical);
        let all = serde_json::to_string(&f).expect("json");
        assert!(!all.contains(SVC) && !all.contains("eyJzdWIi"), "{all}");
        assert!(all.contains("Bearer eyJh…"), "masked value shown");
        assert!(all.contains("never sent"));
    }

    #[tokio::test]
    async fn fires_when_the_callers_token_is_passed_on() {
        let user = "user-token-0123456789abcdef";
        let mut fake = Fake::new(Mode::Blind);
        fake.forward_caller_auth = true;
        let (addr, _) = fake_target::serve(fake).await;
        let fx = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer("alice", Secret::new(user)))
            .route("/fetch?url=https://e.example/");
        let (_e, ctx) = fake_target::ctx_from(fx, vec![], &META).await;
        let f = ForwardedCredentials.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        let all = serde_json::to_string(&f).expect("json");
        assert!(
            all.contains("caller's own") && all.contains("$TOKEN"),
            "{all}"
        );
        assert!(!all.contains(user));
    }

    #[tokio::test]
    async fn a_token_sharing_the_users_jwt_header_is_still_the_apis_and_masked() {
        // Every token of one issuer starts with the same header segment, which the
        // redactor knows as a fragment of the user's token.
        let user = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIiwidXNlciI6ImFsaWNlIn0.dXNlci1zaWduYXR1cmU";
        let mut fake = Fake::new(Mode::Reflect);
        fake.forward_auth = Some(format!("Bearer {SVC}"));
        let (addr, _) = fake_target::serve(fake).await;
        let fx = Fixture::new(&format!("http://{addr}/"))
            .identity(Identity::bearer("alice", Secret::new(user)))
            .route("/fetch?url=https://e.example/");
        let (_e, ctx) = fake_target::ctx_from(fx, vec![], &META).await;
        let f = ForwardedCredentials.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "{f:#?}");
        let all = serde_json::to_string(&f).expect("json");
        assert!(all.contains("never sent"), "{all}");
        for part in SVC.split('.') {
            assert!(!all.contains(part), "{part} leaked: {all}");
        }
    }

    #[tokio::test]
    async fn silent_when_callbacks_carry_no_credential() {
        let (addr, _) = fake_target::serve(Fake::new(Mode::Blind)).await;
        let (_e, ctx) =
            fake_target::ctx(addr, &["/fetch?url=https://e.example/"], vec![], &META).await;
        assert!(ForwardedCredentials
            .run(&ctx)
            .await
            .expect("run")
            .is_empty());
    }
}
