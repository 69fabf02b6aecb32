//! DJ-004: tokens can travel over plain HTTP (no HTTPS redirect, no HSTS, a wrong
//! proxy header).

use crate::project::{AuditFile, Project};
use crate::rules::django::{leaf_settings, setting, PyVal};
use crate::rules::{Rule, OWASP_API8};
use crate::source::Pos;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Transport;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DJ-004"),
    name: "Tokens can travel over plain HTTP",
    category: Category::EncryptionTransport,
    severity: Severity::Medium,
    cwe: 319,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Deployment settings where `SECURE_SSL_REDIRECT` is not true, `SECURE_HSTS_SECONDS` is unset or 0 (Django's W008 and W004), or `SECURE_PROXY_SSL_HEADER` is set to something other than a `('HTTP_X_FORWARDED_PROTO', 'https')`-style pair.",
        why: "Without a redirect and HSTS, a client that once uses `http://` sends its bearer token or session cookie in clear text to anyone on the path; a mis-set proxy header makes Django believe plain requests are secure (or the reverse) and breaks the other protections.",
        evidence: "shop/settings.py:1:1 `SECURE_HSTS_SECONDS` is not set.",
        remediation: "Terminate TLS in front of the API, redirect HTTP to HTTPS and send HSTS (at least a year once it works, then `includeSubDomains`).",
        remediation_django: Some("`SECURE_SSL_REDIRECT = True`, `SECURE_HSTS_SECONDS = 31536000`, and behind a TLS-terminating proxy `SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')` — only if the proxy always sets that header."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/319.html",
            "https://docs.djangoproject.com/en/5.2/ref/middleware/#http-strict-transport-security",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header",
        ],
    },
};

impl Rule for Transport {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        if leaf_settings(file, project).is_none() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut report = |pos: Pos, target: &AuditFile, title: &str, key: &str| {
            out.push(target.source.finding(&META, pos, title).with_key(key));
        };
        match setting(file, project, "SECURE_SSL_REDIRECT") {
            None => report(
                Pos::START,
                file,
                "SECURE_SSL_REDIRECT is not set: plain HTTP requests are served",
                "redirect",
            ),
            Some(s) if s.value.truthy() == Some(false) => report(
                s.pos(),
                s.file,
                "SECURE_SSL_REDIRECT is off: plain HTTP requests are served",
                "redirect",
            ),
            Some(_) => {}
        }
        match setting(file, project, "SECURE_HSTS_SECONDS") {
            None => report(
                Pos::START,
                file,
                "SECURE_HSTS_SECONDS is not set: no HSTS",
                "hsts",
            ),
            Some(s) if s.value == PyVal::Int(0) => {
                report(s.pos(), s.file, "SECURE_HSTS_SECONDS is 0: no HSTS", "hsts")
            }
            Some(_) => {}
        }
        if let Some(s) = setting(file, project, "SECURE_PROXY_SSL_HEADER") {
            let pair = s.value.strings();
            let ok = matches!(pair.as_slice(), [h, v] if h.starts_with("HTTP_") && !v.is_empty());
            if !ok && s.value != PyVal::None && s.value != PyVal::Unknown {
                report(
                    s.pos(),
                    s.file,
                    "SECURE_PROXY_SSL_HEADER is not a (HTTP_<HEADER>, value) pair",
                    "proxy",
                );
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
    fn fires_on_missing_redirect_and_hsts() {
        let s = "DEBUG = False\nSECRET_KEY = k\nSECURE_HSTS_SECONDS = 0\nSECURE_PROXY_SSL_HEADER = ('X-Forwarded-Proto', 'https')\n";
        assert_eq!(lines(&run(&Transport, &[("settings.py", s)])), [1, 3, 4]);
    }

    #[test]
    fn silent_when_https_enforced() {
        let s = "DEBUG = False\nSECURE_SSL_REDIRECT = True\nSECURE_HSTS_SECONDS = 31536000\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n";
        assert!(run(&Transport, &[("settings.py", s)]).is_empty());
    }
}
