//! Secret-looking names: environment variables, build args, settings, Python names.

use regex::Regex;
use std::sync::OnceLock;

/// Name segments that mark a secret (DS-0031's token list, DL3064's list, plus
/// `*_TOKEN`, `*_API_KEY`, `AUTH*`, `BEARER*`, `*_PAT`, DSNs and Django's key).
const SECRET_NAME: &str = r"(?ix)
    (?:^|[_.-])
    (?: secret|secrets|password|passwd|pass|pwd|passphrase|token|tokens|api[_-]?key|apikey
      | access[_-]?key|private[_-]?key|client[_-]?secret|credential|credentials|auth|authorization
      | bearer|pat|dsn|signing[_-]?key|session[_-]?key|webhook[_-]?secret|jwt|cookie[_-]?secret )
    (?:$|[_.-])";

/// Last name segments that make a secret-looking name refer to something else: where a
/// secret is stored, how long it lives, who the user is.
const NOT_A_SECRET_SUFFIX: &[&str] = &[
    "file",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "host",
    "hostname",
    "port",
    "name",
    "user",
    "username",
    "type",
    "mode",
    "length",
    "len",
    "ttl",
    "expiry",
    "expires",
    "expiration",
    "lifetime",
    "timeout",
    "header",
    "enabled",
    "enable",
    "disabled",
    "required",
    "algorithm",
    "alg",
    "issuer",
    "audience",
    "scope",
    "scopes",
    "id",
    "ids",
    "count",
    "backend",
    "class",
    "provider",
    "method",
    "format",
    "policy",
    "rotation",
    "version",
    "prefix",
    "secure",
    "httponly",
    "samesite",
    "age",
    "seconds",
    "minutes",
    "hours",
    "days",
    "limit",
    "size",
    "required",
    "validators",
    "hashers",
    "domain",
    "realm",
    "region",
];

fn secret_name_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(SECRET_NAME).expect("constant regex"))
}

/// Whether a variable, setting or key name says it holds a secret.
///
/// `DJANGO_SECRET_KEY`, `API_TOKEN`, `DEPLOY_GITHUB_PAT`, `AUTH_HEADER_VALUE` do;
/// `TOKEN_URL`, `PASSWORD_FILE`, `SESSION_COOKIE_AGE`, `AUTHOR` do not.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.trim().trim_start_matches('$').trim_matches(['{', '}']);
    if name.is_empty() || name.len() > 128 {
        return false;
    }
    let last = name
        .rsplit(['_', '.', '-'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    if NOT_A_SECRET_SUFFIX.contains(&last.as_str()) {
        return false;
    }
    secret_name_re().is_match(name)
}

/// Whether a literal assigned to a secret-looking name is a real value rather than a
/// reference (`${VAR}`, `$VAR`), a secrets-file path, a placeholder or empty.
pub fn is_literal_secret_value(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    if v.chars().count() < 4 {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let reference = v.starts_with('$') || v.starts_with("{{") || v.contains("${");
    let path = v.starts_with("/run/secrets/") || v.starts_with("/var/run/secrets/");
    let placeholder = (v.starts_with('<') && v.ends_with('>'))
        || matches!(
            lower.as_str(),
            "true" | "false" | "none" | "null" | "yes" | "no"
        )
        || lower
            .chars()
            .all(|c| c == 'x' || c == '*' || c == '.' || c == '-')
        || lower.contains("placeholder")
        || lower.starts_with("your_")
        || lower.starts_with("your-")
        || lower.starts_with("replace")
        || lower.starts_with("changeit-in-")
        || lower == "dummy"
        || lower.starts_with("not-a-")
        || lower.starts_with("not_a_")
        || lower.contains("invalid")
        || lower.starts_with("redacted");
    !(reference || path || placeholder || not_secret_shaped(v))
}

/// Values that are something else than a secret: a dotted import path
/// (`app.utils.push_credentials`), a URL without credentials, a file path, an e-mail
/// address.
fn not_secret_shaped(v: &str) -> bool {
    let ident = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    let import_path = !v.starts_with("eyJ")
        && v.contains('.')
        && v.split('.').all(ident)
        && v.split('.')
            .any(|s| s.chars().any(|c| c.is_ascii_lowercase()))
        && v.split('.').all(|s| s.len() <= 40);
    let url = match v.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            ident(scheme) && !authority.contains('@') && !rest.contains('?')
        }
        None => false,
    };
    let file_path = (v.starts_with('/') || v.starts_with("./") || v.starts_with("~/"))
        && !v.contains(char::is_whitespace);
    let email = v.contains('@')
        && !v.contains(':')
        && v.rsplit_once('@')
            .is_some_and(|(_, d)| d.contains('.') && d.split('.').all(ident));
    import_path || url || file_path || email
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "DJANGO_SECRET_KEY",
            "SECRET_KEY",
            "API_TOKEN",
            "DEPLOY_GITHUB_PAT",
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASSWORD",
            "AUTH_TOKEN",
            "BEARER",
            "SENTRY_DSN",
            "stripe_api_key",
            "JWT_SECRET",
            "client-secret",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "TOKEN_URL",
            "PASSWORD_FILE",
            "SESSION_COOKIE_AGE",
            "AUTHOR",
            "PATH",
            "DEBUG",
            "PATTERN",
            "COMPASS",
            "BYPASS_CACHE",
            "JWT_ALGORITHM",
            "DATABASE_HOST",
            "",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn literal_values() {
        assert!(is_literal_secret_value("hunter2hunter2"));
        assert!(is_literal_secret_value("\"s3cr3t-value\""));
        assert!(is_literal_secret_value("postgres://app:hunter2@db/app"));
        assert!(is_literal_secret_value(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"
        ));
        assert!(is_literal_secret_value("Tr0ub4dor.3"));
        for v in [
            "${TOKEN}",
            "$TOKEN",
            "",
            "x",
            "<token>",
            "xxxx",
            "/run/secrets/db",
            "true",
            "{{ .Values.x }}",
            "not-a-jwt-at-all",
            "invalid-token-123",
            "app.utils.push_credentials",
            "shop.auth.TokenBackend",
            "https://auth.example.com/oauth/token",
            "/etc/app/key.pem",
            "ops@example.com",
        ] {
            assert!(!is_literal_secret_value(v), "{v}");
        }
    }
}
