//! PROP-001: responses carry credential fields, or other users' e-mail addresses.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::api_support::{self, json_body};
use crate::checks::common::target_responses;
use crate::engine::Exchange;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::BTreeSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};

pub struct SensitiveFields;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PROP-001"),
    name: "Sensitive fields in API responses",
    category: Category::PropertyAuthorization,
    severity: Severity::High,
    cwe: 213,
    owasp: Owasp::Api3,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reads every JSON answer of the target recorded during the scan (GET, 2xx) and reports object fields that hold credentials with a real-looking value: passwords and password hashes, API keys, access and refresh tokens, secrets, private keys. It also reports a list answer that shows several different e-mail addresses to an anonymous or low-privilege caller. Values are shown masked.",
        why: "Serializers that dump whole models hand every caller the password hashes to crack offline, API keys and live tokens to replay, and other users' contact data. The endpoint works as designed; the object's properties are not authorized one by one.",
        evidence: "`GET /api/v2/users/` (anonymous) → 200 whose user objects hold `password` (`pbkd…`), `api_key` (`tgk_…3f9a`) and `access_token` (`eyJh…`), and 5 different `email` values.",
        remediation: "Return an explicit allow-list of fields per endpoint and per caller role; never serialize password hashes, keys or tokens. Rotate every credential that was exposed.",
        remediation_django: Some("List `fields` explicitly in each DRF `ModelSerializer` (never `fields = \"__all__\"` on a user model), keep `password` out of read serializers (or `extra_kwargs = {\"password\": {\"write_only\": True}}`), and use separate serializers for admins and for everyone else."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
            "https://cwe.mitre.org/data/definitions/213.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html",
        ],
    },
};

/// Field names (lower-case, `-` as `_`) that hold a credential.
const CREDENTIAL_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "password_hash",
    "hashed_password",
    "passwordhash",
    "secret",
    "client_secret",
    "secret_key",
    "api_key",
    "apikey",
    "api_secret",
    "access_key",
    "private_key",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_token",
    "token",
    "session_token",
    "session_key",
    "otp_secret",
    "mfa_secret",
    "totp_secret",
    "salt",
];
/// Fields walked at most per answer.
const MAX_NODES: usize = 5_000;
/// Nesting followed at most.
const MAX_DEPTH: usize = 8;

fn normalise(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(if c == '-' {
            '_'
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

fn is_credential_name(key: &str) -> bool {
    let k = normalise(key);
    if ["has_", "is_", "can_", "needs_"]
        .iter()
        .any(|p| k.starts_with(p))
    {
        return false;
    }
    CREDENTIAL_NAMES.contains(&k.as_str())
        || k.ends_with("_password")
        || k.ends_with("_secret")
        || k.ends_with("_api_key")
        || k.ends_with("_access_token")
}

/// A value that looks like a real credential: a string of 8+ characters that is not a
/// placeholder or a mask.
fn real_value(v: &Value) -> Option<&str> {
    let s = v.as_str()?.trim();
    let masked = s.contains('*') || s.contains('•') || s.chars().all(|c| c == 'x' || c == 'X');
    (s.chars().count() >= 8 && !masked && !tollgate_secrets::is_placeholder(s)).then_some(s)
}

/// What one answer exposes.
#[derive(Default)]
struct Exposed {
    /// Field names holding credentials.
    fields: BTreeSet<String>,
    /// The credential values, to mask in the evidence (never output).
    values: Vec<String>,
    emails: BTreeSet<String>,
    nodes: usize,
}

impl Exposed {
    fn walk(&mut self, v: &Value, depth: usize) {
        if depth > MAX_DEPTH || self.nodes > MAX_NODES {
            return;
        }
        self.nodes += 1;
        match v {
            Value::Object(m) => {
                for (k, val) in m {
                    if is_credential_name(k) {
                        if let Some(s) = real_value(val) {
                            self.fields.insert(k.clone());
                            self.values.push(s.to_string());
                        }
                    }
                    if normalise(k).ends_with("email") {
                        if let Some(e) = val.as_str().filter(|e| e.contains('@')) {
                            self.emails.insert(e.to_ascii_lowercase());
                        }
                    }
                    self.walk(val, depth + 1);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| self.walk(i, depth + 1)),
            _ => {}
        }
    }
}

#[async_trait]
impl Check for SensitiveFields {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    async fn run(&self, ctx: &CheckCtx) -> Result<Vec<Finding>, CheckError> {
        let mut findings: Vec<Finding> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for ex in target_responses(ctx) {
            let Some(f) = judge(ctx, &ex) else { continue };
            if seen.insert(route_key(ctx, &ex)) {
                findings.push(f);
            }
        }
        Ok(findings)
    }
}

/// One finding per route (the document's template when it has one).
fn route_key(ctx: &CheckCtx, ex: &Exchange) -> String {
    let method = tollgate_spec::Method::Get;
    api_support::spec(ctx)
        .and_then(|s| s.operation_for(method, &ex.request.url))
        .map_or_else(|| ex.request.url.path().to_string(), |o| o.path.clone())
}

fn judge(ctx: &CheckCtx, ex: &Exchange) -> Option<Finding> {
    let body = json_body(ex)?;
    let mut exposed = Exposed::default();
    exposed.walk(&body, 0);
    let caller_is_low = ex
        .request
        .identity
        .as_deref()
        .is_none_or(|i| !api_support::privileged_name(i));
    let others_emails = caller_is_low && exposed.emails.len() >= 2;
    if exposed.fields.is_empty() && !others_emails {
        return None;
    }
    let who = ex
        .request
        .identity
        .clone()
        .unwrap_or_else(|| "anonymous callers".into());
    let (title, severity) = if exposed.fields.is_empty() {
        (
            format!(
                "{} different e-mail addresses returned to {who}",
                exposed.emails.len()
            ),
            Severity::Medium,
        )
    } else {
        let names: Vec<&str> = exposed.fields.iter().map(String::as_str).collect();
        (
            format!("credential fields returned to {who}: {}", names.join(", ")),
            Severity::High,
        )
    };
    let highlight = exposed.fields.iter().next().map(|f| format!("\"{f}\""));
    let mut f = ctx
        .finding(ex, title, highlight.as_deref())
        .with_severity(severity)
        .with_confidence(Confidence::Firm)
        .with_key(&route_key(ctx, ex));
    for (name, value) in exposed.fields.iter().zip(masked_examples(ex, &exposed)) {
        f = f.with_fact(format!("`{name}` holds `{value}`"));
    }
    if others_emails {
        f = f.with_fact(format!(
            "{} distinct e-mail addresses in one answer",
            exposed.emails.len()
        ));
    }
    Some(crate::mask::known_values(f, &exposed.values))
}

/// For each credential field, one of its values masked (in field order).
fn masked_examples(ex: &Exchange, exposed: &Exposed) -> Vec<String> {
    let Some(body) = json_body(ex) else {
        return Vec::new();
    };
    exposed
        .fields
        .iter()
        .map(|name| {
            first_value(&body, name, 0).map_or_else(|| "…".to_string(), |v| crate::mask::value(&v))
        })
        .collect()
}

fn first_value(v: &Value, name: &str, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match v {
        Value::Object(m) => m
            .get(name)
            .and_then(real_value)
            .map(str::to_string)
            .or_else(|| m.values().find_map(|x| first_value(x, name, depth + 1))),
        Value::Array(items) => items.iter().find_map(|x| first_value(x, name, depth + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{as_identity, exchange, Fixture};
    use tollgate_core::HttpMethod;

    const LEAKY: &str = r#"{"count":2,"results":[
      {"id":1,"username":"admin","email":"admin@shop.test","password":"pbkdf2_sha256$600000$abcdefgh$Zm9vYmFyYmF6cXV4","api_key":"tgk_live_0123456789abcdef0123456789abcdef","token_type":"Bearer"},
      {"id":2,"username":"alice","email":"alice@shop.test","password":"pbkdf2_sha256$600000$ijklmnop$cXV4YmF6Zm9vYmFy","api_key":"tgk_live_fedcba9876543210fedcba9876543210"}]}"#;
    const SAFE: &str = r#"{"id":2,"username":"alice","email":"alice@shop.test","password":"********","token_type":"Bearer","has_api_key":true}"#;

    fn json(url: &str, body: &str) -> Exchange {
        exchange(
            HttpMethod::Get,
            url,
            200,
            &[("content-type", "application/json")],
            body,
        )
    }

    #[tokio::test]
    async fn reports_hashes_keys_and_emails_masked() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .recorded(json("http://127.0.0.1:9/api/users/", LEAKY))
            .recorded(json("http://127.0.0.1:9/api/users/", LEAKY))
            .ctx(&META);
        let f = SensitiveFields.run(&ctx).await.expect("run");
        assert_eq!(f.len(), 1, "one finding per route: {f:?}");
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].title.contains("api_key, password"), "{}", f[0].title);
        let all = serde_json::to_string(&f[0]).expect("json");
        assert!(
            !all.contains("tgk_live_0123456789abcdef0123456789abcdef"),
            "masked: {all}"
        );
        assert!(!all.contains("Zm9vYmFyYmF6cXV4"), "masked: {all}");
        assert!(all.contains("distinct e-mail"));
    }

    #[tokio::test]
    async fn silent_on_masked_and_own_data() {
        let (_e, ctx) = Fixture::new("http://127.0.0.1:9/")
            .recorded(as_identity(
                json("http://127.0.0.1:9/api/me/", SAFE),
                "alice",
            ))
            .recorded(as_identity(
                json(
                    "http://127.0.0.1:9/api/admin/users/",
                    LEAKY
                        .replace("password", "role")
                        .replace("api_key", "team")
                        .as_str(),
                ),
                "admin",
            ))
            .ctx(&META);
        assert!(SensitiveFields.run(&ctx).await.expect("run").is_empty());
    }

    #[test]
    fn names() {
        for k in [
            "password",
            "passwordHash",
            "api-key",
            "client_secret",
            "db_password",
            "accessToken",
        ] {
            assert!(is_credential_name(k), "{k}");
        }
        for k in [
            "token_type",
            "password_changed_at",
            "has_api_key",
            "secretary",
            "tokens_used",
        ] {
            assert!(!is_credential_name(k), "{k}");
        }
    }
}
