//! PROP-001: responses carry credential fields, or other users' e-mail addresses.

use crate::check::{Check, CheckCtx, CheckError};
use crate::checks::kit::api_support::{self, json_body};
use crate::checks::kit::common::target_responses;
use crate::checks::kit::credential_fields::{self, FieldKind, ValueKind};
use crate::engine::Exchange;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Confidence, Finding, Owasp, SafetyClass, Severity,
};

pub struct SensitiveFields;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PROP-001"),
    name: "Sensitive fields in API responses",
    category: Category::PropertyAuthorization,
    severity: Severity::Critical,
    cwe: 213,
    owasp: Owasp::Api3,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Reads every JSON answer of the target recorded during the scan (GET, 2xx) and reports object fields whose name says they hold a credential (password, passwd, passphrase, PIN, OTP and other one-time codes, secret, API key, private or signing key, access/refresh/ID token; camelCase, snake_case and kebab-case alike) and whose value fits that name. A value in such a field that is not a password hash (bcrypt, argon2, scrypt, PBKDF2, crypt(3), Django and LDAP hasher formats, bare hex digests) is a plaintext credential, whatever its strength: critical when it reaches an anonymous caller or sits in a list of other users' objects, high for a plaintext password returned to its own holder. Password hashes are high (medium in the caller's own object). Content that does not fit the name is ignored: prose in a `secret` field (a book's secret passage), a sentence in `pin`, masks like `********`, flags like `has_password`, and a key or token shown to its own holder. Token fields of login and token endpoints are their purpose and are ignored. It also reports a list answer that shows several different e-mail addresses to an anonymous or low-privilege caller. Values are shown masked.",
        why: "Serializers that dump whole models hand every caller plaintext passwords and PINs to log in with, API keys and live tokens to replay, password hashes to crack offline, and other users' contact data. The endpoint works as designed; the object's properties are not authorized one by one.",
        evidence: "`GET /api/v2/users/` (anonymous) → 200 whose user objects hold `api_key` (a plaintext secret, `tgk_…3f9a`), `access_token` (a live token, `eyJh…`) and `password` (a password hash, `pbkd…`), and 5 different `email` values.",
        remediation: "Return an explicit allow-list of fields per endpoint and per caller role; never serialize password hashes, keys or tokens. Rotate every credential that was exposed.",
        remediation_django: Some("List `fields` explicitly in each DRF `ModelSerializer` (never `fields = \"__all__\"` on a user model), keep `password` out of read serializers (or `extra_kwargs = {\"password\": {\"write_only\": True}}`), and use separate serializers for admins and for everyone else."),
        references: &[
            "https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/",
            "https://cwe.mitre.org/data/definitions/213.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html",
        ],
    },
};

/// Fields walked at most per answer.
const MAX_NODES: usize = 5_000;
/// Nesting followed at most.
const MAX_DEPTH: usize = 8;
/// Paths that issue tokens to their caller by design: token fields there are the
/// point of the endpoint.
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
];

/// One credential field of an answer.
#[derive(Debug, Default)]
struct Field {
    kind: Option<FieldKind>,
    /// Whether any value in the clear was seen (else only hashes).
    plaintext: bool,
    /// Seen inside a list: the answer is a collection, not the caller's own object.
    in_list: bool,
    /// Distinct values (never output; masked in the evidence).
    values: BTreeSet<String>,
}

/// What one answer exposes.
#[derive(Default)]
struct Exposed {
    /// Credential fields by name.
    fields: BTreeMap<String, Field>,
    emails: BTreeSet<String>,
    nodes: usize,
    /// Token fields are ignored (a login or token endpoint).
    skip_tokens: bool,
}

impl Exposed {
    fn walk(&mut self, v: &Value, depth: usize, in_list: bool) {
        if depth > MAX_DEPTH || self.nodes > MAX_NODES {
            return;
        }
        self.nodes += 1;
        match v {
            Value::Object(m) => {
                for (k, val) in m {
                    if let Some((kind, value_kind)) =
                        val.as_str().and_then(|s| credential_fields::judge(k, s))
                    {
                        if !(self.skip_tokens && kind == FieldKind::Token) {
                            let f = self.fields.entry(k.clone()).or_default();
                            f.kind = f.kind.max(Some(kind));
                            f.plaintext |= value_kind == ValueKind::Plaintext;
                            f.in_list |= in_list;
                            if let Some(s) = val.as_str() {
                                f.values.insert(s.trim().to_string());
                            }
                        }
                    }
                    if credential_fields::words(k)
                        .last()
                        .is_some_and(|w| w == "email")
                    {
                        if let Some(e) = val.as_str().filter(|e| e.contains('@')) {
                            self.emails.insert(e.to_ascii_lowercase());
                        }
                    }
                    self.walk(val, depth + 1, in_list);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| self.walk(i, depth + 1, true)),
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

fn is_token_endpoint(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    TOKEN_ENDPOINT_WORDS.iter().any(|w| lower.contains(w))
}

/// How bad the exposed fields are for this caller, or `None` when nothing counts.
///
/// A credential in the clear is critical when it reaches an anonymous caller or sits
/// in a collection (other users' credentials); a plaintext password returned to its
/// own holder is high (the API stores it reversibly). A key or token shown to its own
/// holder in a single object is their own: not reported. Password hashes are high,
/// medium in the holder's own object.
fn field_severity(f: &Field, anonymous: bool) -> Option<Severity> {
    let others = anonymous || f.in_list;
    match (f.plaintext, f.kind) {
        (true, _) if others => Some(Severity::Critical),
        (true, Some(FieldKind::Password)) => Some(Severity::High),
        (true, _) => None,
        (false, _) if others => Some(Severity::High),
        (false, _) => Some(Severity::Medium),
    }
}

fn describe(f: &Field) -> &'static str {
    match (f.plaintext, f.kind) {
        (false, _) | (_, Some(FieldKind::Hash)) => "a password hash",
        (true, Some(FieldKind::Password)) => "a plaintext password or code",
        (true, Some(FieldKind::Token)) => "a live token",
        (true, _) => "a plaintext secret or key",
    }
}

fn judge(ctx: &CheckCtx, ex: &Exchange) -> Option<Finding> {
    let body = json_body(ex).filter(|b| !api_support::is_api_description(b))?;
    let mut exposed = Exposed {
        skip_tokens: is_token_endpoint(ex.request.url.path()),
        ..Exposed::default()
    };
    exposed.walk(&body, 0, false);
    let anonymous = ex.request.identity.is_none();
    let reported: BTreeMap<&String, (&Field, Severity)> = exposed
        .fields
        .iter()
        .filter_map(|(name, f)| field_severity(f, anonymous).map(|s| (name, (f, s))))
        .collect();
    let caller_is_low = ex
        .request
        .identity
        .as_deref()
        .is_none_or(|i| !api_support::privileged_name(i));
    let others_emails = caller_is_low && exposed.emails.len() >= 2;
    if reported.is_empty() && !others_emails {
        return None;
    }
    let who = ex
        .request
        .identity
        .clone()
        .unwrap_or_else(|| "anonymous callers".into());
    let plain: Vec<&str> = reported
        .iter()
        .filter(|(_, (f, _))| f.plaintext && f.kind != Some(FieldKind::Hash))
        .map(|(n, _)| n.as_str())
        .collect();
    let hashed: Vec<&str> = reported
        .iter()
        .filter(|(_, (f, _))| !f.plaintext || f.kind == Some(FieldKind::Hash))
        .map(|(n, _)| n.as_str())
        .collect();
    let title = match (plain.is_empty(), hashed.is_empty()) {
        (true, true) => format!(
            "{} different e-mail addresses returned to {who}",
            exposed.emails.len()
        ),
        (false, true) => format!(
            "plaintext credentials returned to {who}: {}",
            plain.join(", ")
        ),
        (true, false) => format!("password hashes returned to {who}: {}", hashed.join(", ")),
        (false, false) => format!(
            "plaintext credentials returned to {who}: {} (and password hashes: {})",
            plain.join(", "),
            hashed.join(", ")
        ),
    };
    let severity = reported
        .values()
        .map(|(_, s)| *s)
        .max()
        .unwrap_or(Severity::Medium);
    let highlight = reported.keys().next().map(|f| format!("\"{f}\""));
    let mut f = ctx
        .finding(ex, title, highlight.as_deref())
        .with_severity(severity)
        .with_confidence(Confidence::Firm)
        .with_key(&route_key(ctx, ex));
    let mut values: Vec<String> = Vec::new();
    for (name, (field, _)) in &reported {
        let example = field
            .values
            .iter()
            .next()
            .map_or_else(|| "…".to_string(), |v| crate::mask::value(v));
        let distinct = match field.values.len() {
            1 => String::new(),
            n => format!(", {n} distinct values"),
        };
        f = f.with_fact(format!(
            "`{name}` holds {} (`{example}`{distinct})",
            describe(field)
        ));
        values.extend(field.values.iter().cloned());
    }
    if others_emails {
        f = f.with_fact(format!(
            "{} distinct e-mail addresses in one answer",
            exposed.emails.len()
        ));
    }
    Some(crate::mask::known_values(f, &values))
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

    async fn run(exchanges: Vec<Exchange>) -> Vec<Finding> {
        let mut fx = Fixture::new("http://127.0.0.1:9/");
        for ex in exchanges {
            fx = fx.recorded(ex);
        }
        let (_e, ctx) = fx.ctx(&META);
        SensitiveFields.run(&ctx).await.expect("run")
    }

    #[tokio::test]
    async fn keys_in_a_list_are_critical_hashes_named_and_all_masked() {
        let f = run(vec![
            json("http://127.0.0.1:9/api/users/", LEAKY),
            json("http://127.0.0.1:9/api/users/", LEAKY),
        ])
        .await;
        assert_eq!(f.len(), 1, "one finding per route: {f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].title
                .contains("plaintext credentials returned to anonymous callers: api_key")
                && f[0].title.contains("password hashes: password"),
            "{}",
            f[0].title
        );
        let all = serde_json::to_string(&f[0]).expect("json");
        assert!(
            !all.contains("tgk_live_0123456789abcdef0123456789abcdef"),
            "masked: {all}"
        );
        assert!(!all.contains("Zm9vYmFyYmF6cXV4"), "masked: {all}");
        assert!(all.contains("distinct e-mail"));
        assert!(all.contains("`password` holds a password hash"), "{all}");
    }

    #[tokio::test]
    async fn a_weak_plaintext_password_or_pin_is_critical_whatever_its_entropy() {
        let body = r#"{"results":[{"id":1,"userName":"bob","Password":"bob123","userPIN":"1234"},{"id":2,"userName":"eve","Password":"letmein","userPIN":"9876"}]}"#;
        let f = run(vec![json("http://127.0.0.1:9/api/accounts/", body)]).await;
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].title.contains("Password, userPIN"), "{}", f[0].title);
        let all = serde_json::to_string(&f[0]).expect("json");
        for v in ["bob123", "letmein", "\"9876\""] {
            assert!(!all.contains(v), "{v} shown: {all}");
        }
    }

    #[tokio::test]
    async fn own_plaintext_password_is_high_own_api_key_is_not_reported() {
        let me = r#"{"id":2,"username":"alice","password":"alice-pass-1","api_key":"tgk_live_fedcba9876543210fedcba9876543210"}"#;
        let f = run(vec![as_identity(
            json("http://127.0.0.1:9/api/me/", me),
            "alice",
        )])
        .await;
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].title.ends_with(": password"), "{}", f[0].title);
    }

    #[tokio::test]
    async fn a_books_secret_passage_returned_to_its_owner_is_not_a_credential() {
        let book = r#"{"id":7,"title":"The Quiet House","owner":"alice","secret":"The butler hid the letters under the third stair. Nobody ever looked there.","pin":"Pinned to the top of the shelf","has_password":true}"#;
        let list = format!("[{book},{book}]");
        let f = run(vec![
            as_identity(json("http://127.0.0.1:9/api/books/7/", book), "alice"),
            json("http://127.0.0.1:9/api/books/", &list),
        ])
        .await;
        assert!(f.is_empty(), "{f:?}");
    }

    #[tokio::test]
    async fn tokens_from_a_token_endpoint_are_its_purpose() {
        let body = r#"{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl","token_type":"Bearer","expires_in":60}"#;
        assert!(run(vec![json("http://127.0.0.1:9/oauth/token", body)])
            .await
            .is_empty());
        let f = run(vec![json("http://127.0.0.1:9/api/sessions-list", body)]).await;
        assert!(f.is_empty(), "session is a token endpoint word: {f:?}");
        let f = run(vec![json("http://127.0.0.1:9/api/profile", body)]).await;
        assert_eq!(f.len(), 1, "anonymous profile with a token: {f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
    }

    #[tokio::test]
    async fn silent_on_masked_and_own_data() {
        let f = run(vec![
            as_identity(json("http://127.0.0.1:9/api/me/", SAFE), "alice"),
            as_identity(
                json(
                    "http://127.0.0.1:9/api/admin/users/",
                    LEAKY
                        .replace("password", "role")
                        .replace("api_key", "team")
                        .as_str(),
                ),
                "admin",
            ),
        ])
        .await;
        assert!(f.is_empty(), "{f:?}");
    }

    #[tokio::test]
    async fn an_api_description_is_not_data_but_its_twin_data_is() {
        let doc = r#"{"openapi":"3.0.3","info":{"title":"shop","version":"1"},"paths":{"/login":{"post":{
          "requestBody":{"content":{"application/json":{"example":{"username":"alice","password":"alice-pass-2024"}}}}}}},
          "components":{"schemas":{"User":{"properties":{"password":{"type":"string","example":"hunter2-example"}}}}}}"#;
        assert!(run(vec![json("http://127.0.0.1:9/openapi.json", doc)])
            .await
            .is_empty());
        let schema = r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","examples":[{"password":"p4ss-w0rd-x"}]}"#;
        assert!(run(vec![json("http://127.0.0.1:9/schema.json", schema)])
            .await
            .is_empty());
        let data = r#"{"username":"alice","password":"alice-pass-2024","info":{"openapi":"3"}}"#;
        assert_eq!(
            run(vec![json("http://127.0.0.1:9/api/users/1", data)])
                .await
                .len(),
            1
        );
    }
}
