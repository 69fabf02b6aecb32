//! The scope guard: the single chokepoint every request passes through.

use super::EngineError;
use url::Url;

/// An origin: scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    fn of(url: &Url) -> Option<Origin> {
        Some(Origin {
            scheme: url.scheme().to_ascii_lowercase(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
        })
    }
}

/// The set of origins tollgate may contact: the target's plus what `--scope` adds.
#[derive(Debug, Clone)]
pub struct Scope {
    origins: Vec<Origin>,
}

impl Scope {
    /// A scope holding the target's origin and the extra origins.
    pub fn new(target: &Url, extra: &[Url]) -> Result<Scope, EngineError> {
        let mut origins = Vec::new();
        for url in std::iter::once(target).chain(extra) {
            let origin = Origin::of(url).ok_or_else(|| EngineError::InvalidUrl(url.to_string()))?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(Scope { origins })
    }

    /// Allows the URL or refuses it.
    pub fn check(&self, url: &Url) -> Result<(), EngineError> {
        match Origin::of(url) {
            Some(o) if self.origins.contains(&o) => Ok(()),
            _ => Err(EngineError::OutOfScope {
                url: url.to_string(),
                allowed: self.describe(),
            }),
        }
    }

    /// Whether the URL is in scope.
    pub fn allows(&self, url: &Url) -> bool {
        self.check(url).is_ok()
    }

    fn describe(&self) -> String {
        self.origins
            .iter()
            .map(|o| format!("{}://{}:{}", o.scheme, o.host, o.port))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("test url")
    }

    #[test]
    fn allows_only_the_target_origin() {
        let s = Scope::new(&u("http://127.0.0.1:8000/api/"), &[]).expect("scope");
        assert!(s.allows(&u("http://127.0.0.1:8000/other?x=1")));
        assert!(!s.allows(&u("http://127.0.0.1:8001/")));
        assert!(!s.allows(&u("https://127.0.0.1:8000/")));
        assert!(!s.allows(&u("http://localhost:8000/")));
        assert!(!s.allows(&u("http://169.254.169.254/latest/meta-data/")));
        assert!(!s.allows(&u("file:///etc/passwd")));
    }

    #[test]
    fn default_ports_are_normalised() {
        let s = Scope::new(&u("https://api.example/"), &[]).expect("scope");
        assert!(s.allows(&u("https://API.example:443/x")));
    }

    #[test]
    fn extra_scope_adds_origins() {
        let s = Scope::new(&u("http://127.0.0.1:8000/"), &[u("http://127.0.0.1:9000/")])
            .expect("scope");
        assert!(s.allows(&u("http://127.0.0.1:9000/v")));
    }
}
