//! Identities: named credentials the engine attaches to requests.

use super::login::Login;
use std::sync::Arc;
use tollgate_core::{Redactor, Secret};

/// How a credential travels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// A custom header, e.g. `X-API-Key: <value>`.
    Header { name: String, value: Secret },
    /// A cookie, e.g. `sessionid=<value>`.
    Cookie { name: String, value: Secret },
}

impl Credential {
    /// The same shape carrying another value.
    pub fn with_value(&self, value: Secret) -> Credential {
        match self {
            Credential::Bearer(_) => Credential::Bearer(value),
            Credential::Header { name, .. } => Credential::Header {
                name: name.clone(),
                value,
            },
            Credential::Cookie { name, .. } => Credential::Cookie {
                name: name.clone(),
                value,
            },
        }
    }
}

/// A named identity, such as `alice` or `admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    /// How the secret travels. For a login identity, the shape only (bearer, which
    /// header, which cookie): the engine puts the token of the latest login in it.
    pub credential: Credential,
    /// Credentials and a login request that obtain the token (see `engine/login.rs`).
    pub login: Option<Arc<Login>>,
}

impl Identity {
    pub fn new(name: impl Into<String>, credential: Credential) -> Self {
        Identity {
            name: name.into(),
            credential,
            login: None,
        }
    }

    pub fn bearer(name: impl Into<String>, token: Secret) -> Self {
        Identity::new(name, Credential::Bearer(token))
    }

    /// A login identity whose token is sent as a bearer token.
    pub fn logging_in(name: impl Into<String>, login: Login) -> Self {
        Identity::bearer(name, Secret::new("")).with_login(login)
    }

    /// The same identity obtaining its token with `login`; its credential keeps only
    /// its shape (bearer, header name or cookie name).
    pub fn with_login(mut self, login: Login) -> Self {
        self.credential = self.credential.with_value(Secret::new(""));
        self.login = Some(Arc::new(login));
        self
    }

    /// The secret this identity carries (empty for a login identity before the scan
    /// logs it in: see [`Identity::secrets`]).
    pub fn secret(&self) -> &Secret {
        match &self.credential {
            Credential::Bearer(s) => s,
            Credential::Header { value, .. } | Credential::Cookie { value, .. } => value,
        }
    }

    /// Every secret known before the scan: the token, or the login's password and
    /// client secret.
    pub fn secrets(&self) -> impl Iterator<Item = &Secret> {
        std::iter::once(self.secret()).chain(self.login.iter().flat_map(|l| l.secrets()))
    }

    /// The same identity carrying `token` (a login identity's latest token).
    pub(crate) fn with_token(&self, token: Secret) -> Identity {
        Identity {
            name: self.name.clone(),
            credential: self.credential.with_value(token),
            login: None,
        }
    }

    /// The header name and the real value to put on the wire.
    pub(crate) fn wire_header(&self) -> (String, String) {
        match &self.credential {
            Credential::Bearer(s) => ("authorization".into(), format!("Bearer {}", s.expose())),
            Credential::Header { name, value } => {
                (name.to_ascii_lowercase(), value.expose().into())
            }
            Credential::Cookie { name, value } => {
                ("cookie".into(), format!("{name}={}", value.expose()))
            }
        }
    }

    /// The same header as it appears in evidence and reproducers.
    pub fn redacted_header(&self) -> (String, String) {
        match &self.credential {
            Credential::Bearer(_) => ("authorization".into(), "Bearer $TOKEN".into()),
            Credential::Header { name, .. } => (name.to_ascii_lowercase(), "$TOKEN".into()),
            Credential::Cookie { name, .. } => ("cookie".into(), format!("{name}=$TOKEN")),
        }
    }
}

/// A redactor that knows every identity's secret, login passwords and client secrets
/// included. The engine adds each token a login obtains.
pub fn redactor_for(identities: &[Identity]) -> Redactor {
    Redactor::new(identities.iter().flat_map(Identity::secrets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::login::LoginKind;

    #[test]
    fn login_secrets_join_the_redactor() {
        let url = url::Url::parse("http://127.0.0.1:9/token").expect("url");
        let mut login = Login::with_password(
            url.clone(),
            LoginKind::OAuth2Password,
            "alice",
            Secret::new("Canary-Password-42!"),
        );
        login.client_secret = Some(Secret::new("client-secret-canary"));
        let ids = [
            Identity::logging_in("alice", login),
            Identity::bearer("bob", Secret::new("static-token-bob-123")),
        ];
        let r = redactor_for(&ids);
        let text = "pw=Canary-Password-42! cs=client-secret-canary t=static-token-bob-123";
        assert_eq!(r.redact(text), "pw=$TOKEN cs=$TOKEN t=$TOKEN");
        // Percent-encoded too, as in a form body or a query string.
        assert_eq!(
            r.redact("password=Canary-Password-42%21"),
            "password=$TOKEN"
        );
    }

    #[test]
    fn a_login_identity_keeps_the_credential_shape_only() {
        let url = url::Url::parse("http://127.0.0.1:9/token").expect("url");
        let id = Identity::new(
            "svc",
            Credential::Header {
                name: "X-API-Key".into(),
                value: Secret::new("ignored-value"),
            },
        )
        .with_login(Login::new(url, LoginKind::OAuth2ClientCredentials));
        assert_eq!(id.secret().expose(), "");
        assert_eq!(id.redacted_header(), ("x-api-key".into(), "$TOKEN".into()));
    }
}
