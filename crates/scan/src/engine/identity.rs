//! Identities: named credentials the engine attaches to requests.

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

/// A named identity, such as `alice` or `admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub credential: Credential,
}

impl Identity {
    pub fn bearer(name: impl Into<String>, token: Secret) -> Self {
        Identity {
            name: name.into(),
            credential: Credential::Bearer(token),
        }
    }

    /// The secret this identity carries.
    pub fn secret(&self) -> &Secret {
        match &self.credential {
            Credential::Bearer(s) => s,
            Credential::Header { value, .. } | Credential::Cookie { value, .. } => value,
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

/// A redactor that knows every identity's secret.
pub fn redactor_for(identities: &[Identity]) -> Redactor {
    Redactor::new(identities.iter().map(Identity::secret))
}
