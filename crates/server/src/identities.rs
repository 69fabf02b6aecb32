//! Target identities: the credentials a scan sends, in the shapes of tollgate.toml's
//! `[identity.NAME]` (a bearer token, a header, a cookie, or a login), submitted
//! through the API, sealed at rest (`vault.rs`) and turned into the scanner's
//! [`Identity`] values when a scan runs. Two identities enable the BOLA checks.
//!
//! None of these types shows a secret in its `Debug`; views show names and kinds only.

use crate::store::SealedIdentities;
use crate::vault::SecretKey;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tollgate_core::Secret;
use tollgate_scan::engine::{Credential, Identity, Login, LoginKind};
use url::Url;
use utoipa::ToSchema;

/// Most identities one target may have.
pub const MAX_IDENTITIES: usize = 16;
/// Longest secret value accepted (a large JWT fits).
const MAX_SECRET: usize = 8192;

/// A header or cookie: its name and the secret value.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedSecret {
    /// The header name (`X-Api-Key`) or cookie name (`sessionid`).
    pub name: String,
    /// The secret; never returned by the API.
    pub value: String,
}

/// A login that obtains the token (tollgate.toml's `[identity.NAME.login]`, with the
/// secrets given inline: the server stores them encrypted).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    /// The login endpoint: an absolute URL, or a path resolved against the target URL.
    pub url: String,
    /// json, form, oauth2-password or oauth2-client-credentials.
    pub kind: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// The OAuth2 `scope` parameter.
    pub scope: Option<String>,
    /// Field names of the json and form kinds (default `username`, `password`).
    pub username_field: Option<String>,
    pub password_field: Option<String>,
    /// JSON pointer to the token in the login response (default `/access_token`).
    pub token_pointer: Option<String>,
    /// Send the token in this header instead of `Authorization: Bearer`.
    pub header: Option<String>,
    /// Send the token as this cookie instead.
    pub cookie: Option<String>,
}

/// One identity: a `name` and exactly one of `bearer`, `header`, `cookie`, `login`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityInput {
    /// Unique per target: letters, digits, `-`, `_`, `.` (1–64 characters). The first
    /// identity is the primary one.
    pub name: String,
    /// A token sent as `Authorization: Bearer <token>`.
    pub bearer: Option<String>,
    /// A secret sent in a header.
    pub header: Option<NamedSecret>,
    /// A secret sent as a cookie.
    pub cookie: Option<NamedSecret>,
    pub login: Option<LoginInput>,
}

impl std::fmt::Debug for IdentityInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityInput")
            .field("name", &self.name)
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

/// An identity as the API shows it: name and kind, never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IdentityView {
    pub name: String,
    /// bearer, header, cookie or login.
    pub kind: String,
}

/// The body of `PUT /api/v1/targets/{id}/identities`: the whole new list (empty removes
/// every identity).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentitiesPut {
    pub identities: Vec<IdentityInput>,
}

impl IdentityInput {
    fn kind(&self) -> &'static str {
        match (&self.bearer, &self.header, &self.cookie, &self.login) {
            (Some(_), ..) => "bearer",
            (None, Some(_), ..) => "header",
            (None, None, Some(_), _) => "cookie",
            _ => "login",
        }
    }

    /// The scanner's identity, with a login URL resolved against `target`. The error
    /// names the identity and the field, never a value.
    pub fn to_identity(&self, target: &Url) -> Result<Identity, String> {
        let name = &self.name;
        let given = [
            self.bearer.is_some(),
            self.header.is_some(),
            self.cookie.is_some(),
            self.login.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(format!(
                "identity `{name}`: give exactly one of bearer, header, cookie or login"
            ));
        }
        if let Some(login) = &self.login {
            let transport = match (&login.header, &login.cookie) {
                (Some(_), Some(_)) => {
                    return Err(format!(
                        "identity `{name}`: login.header and login.cookie: choose one"
                    ))
                }
                (Some(h), None) => Credential::Header {
                    name: header_name(name, h)?,
                    value: Secret::new(""),
                },
                (None, Some(c)) => Credential::Cookie {
                    name: cookie_name(name, c)?,
                    value: Secret::new(""),
                },
                (None, None) => Credential::Bearer(Secret::new("")),
            };
            return Ok(
                Identity::new(name.clone(), transport).with_login(login.to_login(name, target)?)
            );
        }
        let credential = if let Some(token) = &self.bearer {
            Credential::Bearer(secret(name, "bearer", token)?)
        } else if let Some(h) = &self.header {
            Credential::Header {
                name: header_name(name, &h.name)?,
                value: secret(name, "header.value", &h.value)?,
            }
        } else if let Some(c) = &self.cookie {
            Credential::Cookie {
                name: cookie_name(name, &c.name)?,
                value: secret(name, "cookie.value", &c.value)?,
            }
        } else {
            return Err(format!("identity `{name}`: no credential"));
        };
        Ok(Identity::new(name.clone(), credential))
    }
}

impl LoginInput {
    fn to_login(&self, name: &str, target: &Url) -> Result<Login, String> {
        let kind: LoginKind = self
            .kind
            .parse()
            .map_err(|e| format!("identity `{name}`: login.kind: {e}"))?;
        let url = target
            .join(self.url.trim())
            .map_err(|e| format!("identity `{name}`: login.url: {e}"))?;
        let mut login = Login::new(url, kind);
        login.username = self.username.clone();
        login.password = self
            .password
            .as_deref()
            .map(|p| secret(name, "login.password", p))
            .transpose()?;
        login.client_id = self.client_id.clone();
        login.client_secret = self
            .client_secret
            .as_deref()
            .map(|s| secret(name, "login.client_secret", s))
            .transpose()?;
        login.scope = self.scope.clone();
        if let Some(f) = &self.username_field {
            login.username_field = f.clone();
        }
        if let Some(f) = &self.password_field {
            login.password_field = f.clone();
        }
        if let Some(p) = &self.token_pointer {
            login.token_pointer = p.trim().to_string();
        }
        login
            .validate()
            .map_err(|e| format!("identity `{name}`: {e}"))?;
        Ok(login)
    }
}

/// A secret value: not blank, not too long, and sendable in a header.
fn secret(identity: &str, field: &str, value: &str) -> Result<Secret, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("identity `{identity}`: {field} is empty"));
    }
    if v.len() > MAX_SECRET {
        return Err(format!(
            "identity `{identity}`: {field} is longer than {MAX_SECRET} bytes"
        ));
    }
    if v.chars().any(char::is_control) || !v.is_ascii() {
        return Err(format!(
            "identity `{identity}`: {field} must be printable ASCII (it travels in a header)"
        ));
    }
    Ok(Secret::new(v))
}

fn header_name(identity: &str, name: &str) -> Result<String, String> {
    let n = name.trim();
    axum::http::HeaderName::from_bytes(n.as_bytes())
        .map(|_| n.to_string())
        .map_err(|_| format!("identity `{identity}`: `{n}` is not a valid header name"))
}

fn cookie_name(identity: &str, name: &str) -> Result<String, String> {
    let n = name.trim();
    let valid = !n.is_empty()
        && n.len() <= 128
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if valid {
        Ok(n.to_string())
    } else {
        Err(format!(
            "identity `{identity}`: `{n}` is not a valid cookie name"
        ))
    }
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Checks a list for a target: names, one credential each, valid values. Returns the
/// scanner's identities (for the caller to vet login URLs) or why the list is refused.
pub fn validate(list: &[IdentityInput], target: &Url) -> Result<Vec<Identity>, String> {
    if list.len() > MAX_IDENTITIES {
        return Err(format!("at most {MAX_IDENTITIES} identities per target"));
    }
    let mut seen = HashSet::new();
    list.iter()
        .map(|i| {
            if !valid_name(&i.name) {
                return Err(
                    "an identity name has 1 to 64 letters, digits, `-`, `_` or `.`".to_string(),
                );
            }
            if !seen.insert(i.name.as_str()) {
                return Err(format!("two identities are named `{}`", i.name));
            }
            i.to_identity(target)
        })
        .collect()
}

/// Names and kinds, for views.
pub fn summary(list: &[IdentityInput]) -> Vec<IdentityView> {
    list.iter()
        .map(|i| IdentityView {
            name: i.name.clone(),
            kind: i.kind().to_string(),
        })
        .collect()
}

/// Seals a (validated) list for `target_id`.
pub fn seal(key: &SecretKey, target_id: &str, list: &[IdentityInput]) -> SealedIdentities {
    // Serialising these plain structs cannot fail.
    let json = serde_json::to_vec(list).unwrap_or_default();
    SealedIdentities {
        sealed: key.seal(&json, target_id.as_bytes()),
        summary: serde_json::to_string(&summary(list)).unwrap_or_else(|_| "[]".into()),
    }
}

/// The summary stored beside a sealed list.
pub fn parse_summary(text: &str) -> Vec<IdentityView> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Opens a target's sealed list into the scanner's identities. The error says what
/// the operator must do; it never holds a secret.
pub fn open(
    key: Option<&SecretKey>,
    target_id: &str,
    target: &Url,
    sealed: &SealedIdentities,
) -> Result<Vec<Identity>, String> {
    let key = key.ok_or_else(|| {
        "the target has identities, and this server has no secret key to decrypt them: \
         start it with --secret-key-file (or TOLLGATE_SECRET_KEY)"
            .to_string()
    })?;
    let plain = key
        .open(&sealed.sealed, target_id.as_bytes())
        .map_err(|e| format!("the target's identities cannot be decrypted: {e}"))?;
    let list: Vec<IdentityInput> = serde_json::from_slice(&plain)
        .map_err(|_| "the target's stored identities do not parse".to_string())?;
    validate(&list, target)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn target() -> Url {
        Url::parse("http://127.0.0.1:9/api/").unwrap()
    }

    fn list(json: serde_json::Value) -> Vec<IdentityInput> {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_four_shapes_become_scanner_identities() {
        let l = list(serde_json::json!([
            {"name": "alice", "bearer": "tok-alice-canary-123"},
            {"name": "h", "header": {"name": "X-Api-Key", "value": "key-canary-456"}},
            {"name": "c", "cookie": {"name": "sessionid", "value": "sess-canary-789"}},
            {"name": "bob", "login": {"url": "/token", "kind": "oauth2-password", "username": "bob", "password": "pw-canary-000", "header": "X-Auth"}}
        ]));
        let ids = validate(&l, &target()).unwrap();
        assert_eq!(
            ids[0].credential,
            Credential::Bearer(Secret::new("tok-alice-canary-123"))
        );
        assert!(
            matches!(&ids[1].credential, Credential::Header { name, .. } if name == "X-Api-Key")
        );
        assert!(
            matches!(&ids[2].credential, Credential::Cookie { name, .. } if name == "sessionid")
        );
        let login = ids[3].login.as_ref().unwrap();
        assert_eq!(login.url.as_str(), "http://127.0.0.1:9/token");
        assert_eq!(login.kind, LoginKind::OAuth2Password);
        assert!(matches!(&ids[3].credential, Credential::Header { name, .. } if name == "X-Auth"));
        let kinds: Vec<String> = summary(&l).into_iter().map(|v| v.kind).collect();
        assert_eq!(kinds, ["bearer", "header", "cookie", "login"]);
        let debug = format!("{l:?}");
        assert!(!debug.contains("canary"), "{debug}");
    }

    #[test]
    fn bad_lists_are_explained_without_their_values() {
        let err = |json: serde_json::Value| validate(&list(json), &target()).unwrap_err();
        let e = err(
            serde_json::json!([{"name": "a", "bearer": "x1", "cookie": {"name": "s", "value": "v"}}]),
        );
        assert!(e.contains("exactly one"), "{e}");
        let e = err(serde_json::json!([{"name": "a"}]));
        assert!(e.contains("exactly one"), "{e}");
        let e =
            err(serde_json::json!([{"name": "a", "bearer": "t1"}, {"name": "a", "bearer": "t2"}]));
        assert!(e.contains("two identities"), "{e}");
        let e = err(serde_json::json!([{"name": "a b", "bearer": "t1"}]));
        assert!(e.contains("identity name"), "{e}");
        let e = err(serde_json::json!([{"name": "a", "bearer": "line\nbreak-secret"}]));
        assert!(
            e.contains("printable") && !e.contains("break-secret"),
            "{e}"
        );
        let e = err(
            serde_json::json!([{"name": "a", "header": {"name": "bad header", "value": "v-secret"}}]),
        );
        assert!(e.contains("header name") && !e.contains("v-secret"), "{e}");
        let e = err(serde_json::json!([{"name": "a", "login": {"url": "/t", "kind": "saml"}}]));
        assert!(e.contains("unknown login kind"), "{e}");
        let e = err(
            serde_json::json!([{"name": "a", "login": {"url": "/t", "kind": "json", "username": "u"}}]),
        );
        assert!(e.contains("needs a password"), "{e}");
    }

    #[test]
    fn sealed_lists_open_for_their_target_only() {
        let key = SecretKey::parse(&"ab".repeat(32)).unwrap();
        let l = list(serde_json::json!([{"name": "alice", "bearer": "tok-alice-canary-123"}]));
        let s = seal(&key, "tgt_1", &l);
        assert!(!s.sealed.contains("canary") && !s.summary.contains("canary"));
        assert_eq!(parse_summary(&s.summary)[0].name, "alice");
        let ids = open(Some(&key), "tgt_1", &target(), &s).unwrap();
        assert_eq!(ids[0].secret().expose(), "tok-alice-canary-123");
        assert!(open(Some(&key), "tgt_2", &target(), &s)
            .unwrap_err()
            .contains("cannot be decrypted"));
        assert!(open(None, "tgt_1", &target(), &s)
            .unwrap_err()
            .contains("--secret-key-file"));
    }
}
