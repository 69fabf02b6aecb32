//! LEAK-006: credentials and internal details in the API's ordinary responses.
//!
//! Passive: reads every successful GET answer from the target recorded during the
//! scan and runs tollgate's secret patterns over it. The scanner's own credential is
//! redacted first and values the request itself carried are ignored, so only what the
//! API hands out on its own counts. Files and debug pages are left to LEAK-002/004/005.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::leaked_secrets::{self, Leaked};
use crate::engine::Exchange;
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, HttpMethod, Location, Owasp,
    SafetyClass, Severity,
};
use tollgate_secrets::{Kind, Level};

pub struct SecretsInResponses;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("LEAK-006"),
    name: "Credentials or internal details in API responses",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 200,
    owasp: Owasp::Api3,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Searches every successful GET response from the target recorded during the scan for credentials (JWTs, API keys of known providers, credential-named fields with random-looking values, password hashes, private keys, database URLs with passwords), payment card numbers (Luhn-checked), SSNs next to an `ssn` label, and internal infrastructure (`/var/run/docker.sock`, `DOCKER_HOST`, `KUBERNETES_SERVICE_HOST`, `*.svc.cluster.local` and `*.internal` hosts, container IDs). The scanner's own credential and anything the request itself carried are excluded; token-issuing endpoints (login, token, OAuth), API descriptions, files and error pages are left to other checks. One finding per endpoint, critical when it hands out credentials of several accounts or a provider/cloud secret.",
        why: "An endpoint that returns other users' tokens, API keys or password hashes turns any caller into every user: the tokens replay directly, hashes crack offline. Internal hostnames and a Docker socket path tell an attacker with an SSRF exactly where to go next.",
        evidence: "GET /api/v2/users/ (anonymous) → 200 with 5 user rows, each with `access_token` = JWT (`eyJ…lgI`, HS256, sub=1, user=admin, role=admin, not expired), `api_key` = `tgk_…c134`, `password` = `pbkdf2_…uzg=`.",
        remediation: "Return only the fields a caller needs, through an explicit allow-list serializer. Never include tokens, API keys, password hashes or infrastructure addresses in API output; issue a token only to its owner, only from the login/token endpoint. Rotate every credential that was exposed.",
        remediation_django: Some("Declare `fields = [...]` explicitly on DRF serializers (never `__all__` on the user model), mark secrets `write_only=True` or leave them out, and scope querysets to `request.user`. Keep `password`, API-key and token columns out of every `Serializer` used by list views."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
            "https://cwe.mitre.org/data/definitions/200.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
        ],
    },
};

/// Paths that issue tokens to their caller by design.
const TOKEN_ENDPOINT_WORDS: &[&str] = &[
    "login",
    "signin",
    "sign-in",
    "token",
    "oauth",
    "authorize",
    "refresh",
    "session",
    "sso",
    "callback",
];

/// Checks whose responses are files or error pages, judged by those checks.
const OTHER_LEAK_CHECKS: &[&str] = &["LEAK-002", "LEAK-004", "LEAK-005"];

/// Endpoints reported at most.
const MAX_FINDINGS: usize = 10;

/// Whether the path names a file (`.env`, `access.log`, `openapi.json`) rather than an
/// API resource.
fn is_file_path(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    last.contains('.') || path.contains("/.git/")
}

fn is_token_endpoint(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    TOKEN_ENDPOINT_WORDS.iter().any(|w| lower.contains(w))
}

/// An OpenAPI/Swagger document: its examples are documentation, not leaks.
fn is_api_description(text: &str) -> bool {
    let head = text.get(..200).unwrap_or(text);
    head.contains("\"openapi\"") || head.contains("\"swagger\"") || head.starts_with("openapi:")
}

fn textual(ex: &Exchange) -> bool {
    ex.response.content_type().is_none_or(|ct| {
        ct.contains("json")
            || ct.starts_with("text/")
            || ct.contains("xml")
            || ct.contains("javascript")
    })
}

/// The recorded answers this check judges.
fn candidates(ctx: &CheckCtx) -> Vec<Arc<Exchange>> {
    let origin = ctx.target().url.origin();
    ctx.transcript()
        .into_iter()
        .filter(|e| e.request.method == HttpMethod::Get && e.response.is_success())
        .filter(|e| e.request.url.origin() == origin && textual(e))
        .filter(|e| {
            let path = e.request.url.path();
            !is_file_path(path) && !is_token_endpoint(path)
        })
        .filter(|e| {
            e.check
                .as_ref()
                .is_none_or(|c| !OTHER_LEAK_CHECKS.contains(&c.as_str()))
        })
        .collect()
}

/// What one response leaks.
#[derive(Default)]
struct Leaks {
    /// Values other than the scanner's own credentials (no emails).
    found: Vec<Leaked>,
    /// Credentials tollgate was given, in an answer to an anonymous request: they are
    /// handed to anyone.
    own: usize,
}

impl Leaks {
    fn is_empty(&self) -> bool {
        self.found.is_empty() && self.own == 0
    }

    fn weight(&self) -> usize {
        self.found.len() + self.own
    }
}

fn leaks_in(ctx: &CheckCtx, ex: &Exchange) -> Leaks {
    let text = ex.response.text();
    if is_api_description(&text) {
        return Leaks::default();
    }
    let found = leaked_secrets::find_leaks(
        &text,
        ctx.redactor(),
        &leaked_secrets::echoed_by_request(ex),
    )
    .into_iter()
    .filter(|l| l.kind != Kind::Pii || l.rule_id != "pii.email")
    .collect();
    let own = match ex.request.identity {
        None => leaked_secrets::own_credentials(&text, ctx.redactor()),
        Some(_) => 0,
    };
    Leaks { found, own }
}

/// Critical for credentials of several accounts, a provider secret, or a configured
/// identity's credential handed to an anonymous caller; otherwise the worst value.
fn severity(leaks: &Leaks) -> Severity {
    let creds: Vec<&Leaked> = leaks.found.iter().filter(|l| l.is_credential()).collect();
    if creds.len() + leaks.own >= 2
        || leaks.own > 0
        || creds.iter().any(|l| l.level == Level::Critical)
    {
        return Severity::Critical;
    }
    leaks
        .found
        .iter()
        .map(|l| leaked_secrets::severity_of(l.level))
        .max()
        .unwrap_or(Severity::Info)
}

fn title(leaks: &Leaks) -> String {
    let creds = leaks.found.iter().filter(|l| l.is_credential()).count() + leaks.own;
    let mut kinds: Vec<&str> = Vec::new();
    if leaks.own > 0 {
        kinds.push("credentials of configured identities");
    }
    for l in &leaks.found {
        if !kinds.contains(&l.name.as_str()) {
            kinds.push(&l.name);
        }
    }
    let listed = kinds.iter().take(3).copied().collect::<Vec<_>>().join(", ");
    match creds {
        0 => format!("Response exposes {listed}"),
        1 => format!("Response hands out a credential ({listed})"),
        n => format!("Response hands out {n} credentials ({listed})"),
    }
}

#[async_trait]
impl Check for SecretsInResponses {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        // One finding per endpoint (path and parameter names): keep the answer that
        // leaks the most, anonymous answers first.
        let mut best: HashMap<String, (Arc<Exchange>, Leaks)> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        for ex in candidates(ctx) {
            let leaks = leaks_in(ctx, &ex);
            if leaks.is_empty() {
                continue;
            }
            let key = Location::http("GET", ex.request.url.as_str()).stable_key();
            let better = best.get(&key).is_none_or(|(old, old_leaks)| {
                (leaks.weight(), ex.request.identity.is_none())
                    > (old_leaks.weight(), old.request.identity.is_none())
            });
            if !best.contains_key(&key) {
                order.push(key.clone());
            }
            if better {
                best.insert(key, (ex, leaks));
            }
        }
        let findings = order
            .iter()
            .filter_map(|k| best.get(k))
            .take(MAX_FINDINGS)
            .map(|(ex, leaks)| finding(ctx, ex, leaks))
            .collect();
        Ok(findings)
    }
}

fn finding(ctx: &CheckCtx, ex: &Exchange, leaks: &Leaks) -> Finding {
    let highlight = leaks.found.first().and_then(|l| l.field.clone());
    let who = match &ex.request.identity {
        None => "an anonymous request".to_string(),
        Some(name) => format!("a request as `{name}`"),
    };
    let mut f = ctx
        .finding(ex, title(leaks), highlight.as_deref())
        .with_severity(severity(leaks))
        .with_confidence(Confidence::Firm)
        .with_fact(format!(
            "{} distinct value(s) in the answer to {who}",
            leaks.weight()
        ));
    if leaks.own > 0 {
        f = f.with_fact(format!(
            "{} of them are credentials tollgate was given for this scan (shown as $TOKEN), returned to an anonymous caller",
            leaks.own
        ));
    }
    let subjects: Vec<String> = leaks
        .found
        .iter()
        .filter_map(|l| l.jwt.as_ref().and_then(|j| j.sub.clone()))
        .collect();
    if subjects.len() >= 2 {
        f = f.with_fact(format!(
            "JWTs of {} different subjects: other users' live credentials",
            subjects.len()
        ));
    }
    f = leaked_secrets::with_leak_facts(f, &leaks.found);
    crate::mask::leaked(f, &leaked_secrets::known(&leaks.found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Identity;
    use crate::testkit::{as_identity, exchange, Fixture};
    use tollgate_core::Secret;

    const T: &str = "http://127.0.0.1:9/";
    const JWT1: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsInVzZXJuYW1lIjoiZXhhbXBsZS11c2VyIiwicm9sZSI6InVzZXIiLCJleHAiOjE3MDAwMDAwMDB9.G2SfQcL5SnUtN7U5o-O7COCLhn94ni-yL1dw4DJWS7E";
    const JWT2: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3IiwiZXhwIjo0MTAyNDQ0ODAwfQ.bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok";

    fn json(path: &str, body: &str) -> crate::engine::Exchange {
        exchange(
            HttpMethod::Get,
            &format!("http://127.0.0.1:9{path}"),
            200,
            &[("content-type", "application/json")],
            body,
        )
    }

    async fn run(exchanges: Vec<crate::engine::Exchange>) -> Vec<Finding> {
        let mut fx = Fixture::new(T).identity(Identity::bearer(
            "alice",
            Secret::new("tok-alice-0123456789abcdef"),
        ));
        for ex in exchanges {
            fx = fx.recorded(ex);
        }
        let (_e, ctx) = fx.ctx(&META);
        SecretsInResponses.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn users_list_with_tokens_is_critical_and_masked() {
        let body = format!(
            r#"{{"results":[{{"id":1,"username":"admin","api_key":"tgk_live_53fcc9e8a3e843cdcc66c5fa698ac134","access_token":"{JWT1}"}},{{"id":2,"username":"alice","access_token":"{JWT2}"}}]}}"#
        );
        let f = run(vec![json("/api/v2/users/", &body)]).await;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].title.contains("3 credentials"), "{}", f[0].title);
        let all = serde_json::to_string(&f).expect("json");
        for v in [JWT1, JWT2, "tgk_live_53fcc9e8a3e843cdcc66c5fa698ac134"] {
            assert!(!all.contains(v), "{v} shown");
        }
        assert!(all.contains("access_token"));
        assert!(all.contains("different subjects"));
    }

    #[tokio::test]
    async fn a_configured_identitys_token_handed_to_anonymous_callers_is_critical() {
        let body = r#"{"users":[{"username":"alice","session":"tok-alice-0123456789abcdef","api_key":"tok-alice-0123456789abcdef"}]}"#;
        let f = run(vec![json("/api/v1/users/", body)]).await;
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        let all = serde_json::to_string(&f).expect("json");
        assert!(!all.contains("tok-alice-0123456789abcdef"));
        // The same answer to alice herself is her own data.
        let own = as_identity(json("/api/v1/users/", body), "alice");
        assert!(run(vec![own]).await.is_empty());
    }

    #[tokio::test]
    async fn docker_host_in_a_response_is_reported_masked() {
        let f = run(vec![json(
            "/api/v2/admin/settings/",
            r#"{"docker":"DOCKER_HOST=tcp://10.0.0.7:2375","sock":"/var/run/docker.sock"}"#,
        )])
        .await;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        let all = serde_json::to_string(&f).expect("json");
        assert!(!all.contains("tcp://10.0.0.7:2375"), "{all}");
        assert!(all.contains("DOCKER_HOST"));
    }

    #[tokio::test]
    async fn silent_on_ordinary_and_excluded_responses() {
        let own = as_identity(
            json(
                "/api/v2/me/",
                r#"{"id":2,"username":"alice","email":"alice@shop.tollgate.test","token":"tok-alice-0123456789abcdef"}"#,
            ),
            "alice",
        );
        let login = json("/api/v2/auth/login/", &format!(r#"{{"access":"{JWT1}"}}"#));
        let dotenv = json(
            "/.env",
            "DEPLOY_GITHUB_PAT=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",
        );
        let spec = json(
            "/api/schema/",
            &format!(r#"{{"openapi":"3.0.3","x":"{JWT1}"}}"#),
        );
        let mut echo = json(
            "/api/v2/debug/headers/",
            &format!(r#"{{"Authorization":"Bearer {JWT2}"}}"#),
        );
        echo.request
            .headers
            .push(("authorization".into(), format!("Bearer {JWT2}")));
        let products = json(
            "/api/v2/products/",
            r#"{"results":[{"id":1,"sku":"SKU-00001","price":"400.34"}]}"#,
        );
        let f = run(vec![own, login, dotenv, spec, echo, products]).await;
        assert!(f.is_empty(), "{f:?}");
    }
}
