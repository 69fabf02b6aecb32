//! DJ-002: hard-coded, weak or default `SECRET_KEY` (and `SECRET_KEY_FALLBACKS`).

use crate::parse::python::Expr;
use crate::project::{AuditFile, Project};
use crate::rules::django::{leaf_settings, setting, PyVal};
use crate::rules::{masking, Rule, OWASP_API2};
use crate::secrets::masker;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct SecretKey;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DJ-002"),
    name: "Hard-coded or weak SECRET_KEY",
    category: Category::Authentication,
    severity: Severity::High,
    cwe: 798,
    owasp: Owasp::Api2,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`SECRET_KEY` (or an item of `SECRET_KEY_FALLBACKS`) written as a string literal, or read from the environment with a literal fallback (`os.environ.get('SECRET_KEY', 'dev-key')`). The facts say when the key is also weak: the `django-insecure-` prefix of `startproject`, fewer than 50 characters or fewer than 5 distinct ones (Django's W009).",
        why: "The secret key signs sessions, password-reset links, signed cookies and often JWTs. Whoever has it — anyone with the repository or the image — can forge a session or token for any user, including staff.",
        evidence: "shop/settings.py:21:1 `SECRET_KEY = 'django-insecure-…'`.",
        remediation: "Generate a long random key per environment and load it at run time without a fallback; rotate a committed key, keeping the old one in `SECRET_KEY_FALLBACKS` only until sessions roll over.",
        remediation_django: Some("`SECRET_KEY = env('DJANGO_SECRET_KEY')` (no default, so a missing key fails loudly), or read it from a mounted secret file; generate with `django.core.management.utils.get_random_secret_key()`."),
        references: &[
            OWASP_API2,
            "https://cwe.mitre.org/data/definitions/798.html",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key",
        ],
    },
};

/// A literal key, and whether it is only a fallback of an environment lookup.
fn literal_key(expr: &Expr, value: &PyVal) -> Option<(String, bool)> {
    match (expr, value) {
        (Expr::Str(s), _) => Some((s.clone(), false)),
        (Expr::Concat(_), PyVal::Str(s)) => Some((s.clone(), false)),
        (Expr::Call(_), PyVal::Str(s)) if !s.is_empty() => Some((s.clone(), true)),
        _ => None,
    }
}

fn weakness(key: &str) -> Option<String> {
    let unique = {
        let mut c: Vec<char> = key.chars().collect();
        c.sort_unstable();
        c.dedup();
        c.len()
    };
    if key.starts_with("django-insecure-") {
        Some("the `django-insecure-` key of startproject".into())
    } else if key.chars().count() < 50 || unique < 5 {
        Some(format!(
            "weak: {} characters, {unique} distinct (Django wants 50+ and 5+)",
            key.chars().count()
        ))
    } else {
        None
    }
}

impl Rule for SecretKey {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        if leaf_settings(file, project).is_none() {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Some(s) = setting(file, project, "SECRET_KEY") {
            if let Some((key, fallback)) = literal_key(&s.assign.value, &s.value) {
                let title = if fallback {
                    "SECRET_KEY falls back to a hard-coded key"
                } else {
                    "SECRET_KEY is hard-coded in the settings"
                };
                let mut f = s
                    .file
                    .source
                    .finding(&META, s.pos(), title)
                    .with_fact(format!("key `{}`", masker().value(&key)));
                if let Some(w) = weakness(&key) {
                    f = f.with_fact(w);
                }
                out.push(masking(f, &key));
            }
        }
        if let Some(s) = setting(file, project, "SECRET_KEY_FALLBACKS") {
            let keys: Vec<&str> = s
                .value
                .strings()
                .into_iter()
                .filter(|k| !k.is_empty())
                .collect();
            if !keys.is_empty() {
                let f = s
                    .file
                    .source
                    .finding(
                        &META,
                        s.pos(),
                        format!(
                            "SECRET_KEY_FALLBACKS holds {} hard-coded key(s)",
                            keys.len()
                        ),
                    )
                    .with_key("fallbacks");
                out.push(keys.iter().fold(f, |f, k| masking(f, k)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_literals_and_fallbacks() {
        let s = "import os\nDEBUG = False\nSECRET_KEY = os.environ.get('SECRET_KEY', 'django-insecure-abcdefghijklmnopqrstuvwxyz0123456789')\nSECRET_KEY_FALLBACKS = ['old-key-1234']\n";
        let f = run(&SecretKey, &[("shop/settings.py", s)]);
        assert_eq!(lines(&f), [3, 4]);
        assert!(f.iter().all(|x| !x
            .evidence
            .snippet
            .as_deref()
            .unwrap_or("")
            .contains("abcdefghijklmnop")));
        assert!(f[0]
            .evidence
            .facts
            .iter()
            .any(|x| x.contains("django-insecure-")));
    }

    #[test]
    fn silent_when_read_from_environment() {
        let s = "import os\nDEBUG = False\nSECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n";
        assert!(run(&SecretKey, &[("shop/settings.py", s)]).is_empty());
    }
}
