//! DJ-005: security middleware missing or cookies not secured (merges checklist S5
//! and S6).

use crate::project::{AuditFile, Project};
use crate::rules::django::{leaf_settings, setting};
use crate::rules::{Rule, OWASP_API8};
use crate::source::Pos;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct MiddlewareCookies;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DJ-005"),
    name: "Security middleware missing or cookies not secured",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Medium,
    cwe: 693,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Deployment settings whose `MIDDLEWARE` lacks `SecurityMiddleware`, `CsrfViewMiddleware` or `XFrameOptionsMiddleware` (Django's W001, W003, W002), or where `SESSION_COOKIE_SECURE` or `CSRF_COOKIE_SECURE` is not true (low) or `SESSION_COOKIE_HTTPONLY` is false.",
        why: "SecurityMiddleware sends HSTS, nosniff and the HTTPS redirect; without CSRF and frame protection, a logged-in browser session can be driven by another site. Cookies without `Secure` travel over plain HTTP; without `HttpOnly`, any XSS reads the session.",
        evidence: "shop/settings.py:40:1 `MIDDLEWARE` has no `django.middleware.security.SecurityMiddleware`.",
        remediation: "Keep Django's default middleware stack and set the cookie flags for production.",
        remediation_django: Some("Start `MIDDLEWARE` with `django.middleware.security.SecurityMiddleware`, keep `CsrfViewMiddleware` and `XFrameOptionsMiddleware`, and set `SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True`."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/693.html",
            "https://docs.djangoproject.com/en/5.2/ref/middleware/",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#session-cookie-secure",
        ],
    },
};

const REQUIRED: &[(&str, &str)] = &[
    (
        "django.middleware.security.SecurityMiddleware",
        "SecurityMiddleware",
    ),
    (
        "django.middleware.csrf.CsrfViewMiddleware",
        "CsrfViewMiddleware",
    ),
    (
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "XFrameOptionsMiddleware",
    ),
];

impl Rule for MiddlewareCookies {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        if leaf_settings(file, project).is_none() {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Some(s) = setting(file, project, "MIDDLEWARE")
            .filter(|s| matches!(s.value, super::PyVal::List(_)))
        {
            let listed = s.value.strings();
            for (_, short) in REQUIRED.iter().filter(|(p, _)| !listed.contains(p)) {
                out.push(
                    s.file
                        .source
                        .finding(&META, s.pos(), format!("MIDDLEWARE lacks `{short}`"))
                        .with_key(short),
                );
            }
        }
        for name in ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"] {
            let (pos, target, state) = match setting(file, project, name) {
                None => (Pos::START, file, "not set"),
                Some(s) if s.value.truthy() == Some(false) => (s.pos(), s.file, "off"),
                Some(_) => continue,
            };
            out.push(
                target
                    .source
                    .finding(
                        &META,
                        pos,
                        format!("{name} is {state}: the cookie is sent over plain HTTP"),
                    )
                    .with_severity(Severity::Low)
                    .with_key(name),
            );
        }
        if let Some(s) = setting(file, project, "SESSION_COOKIE_HTTPONLY")
            .filter(|s| s.value.truthy() == Some(false))
        {
            out.push(
                s.file
                    .source
                    .finding(
                        &META,
                        s.pos(),
                        "SESSION_COOKIE_HTTPONLY is off: scripts can read the session cookie",
                    )
                    .with_key("httponly"),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_missing_middleware_and_insecure_cookies() {
        let s = "DEBUG = False\nMIDDLEWARE = [\n    'django.middleware.common.CommonMiddleware',\n    'django.middleware.csrf.CsrfViewMiddleware',\n]\nSESSION_COOKIE_SECURE = False\n";
        assert_eq!(
            lines(&run(&MiddlewareCookies, &[("settings.py", s)])),
            [1, 2, 2, 6]
        );
    }

    #[test]
    fn silent_when_hardened() {
        let s = "DEBUG = False\nMIDDLEWARE = [\n    'django.middleware.security.SecurityMiddleware',\n    'django.middleware.csrf.CsrfViewMiddleware',\n    'django.middleware.clickjacking.XFrameOptionsMiddleware',\n]\nSESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n";
        assert!(run(&MiddlewareCookies, &[("settings.py", s)]).is_empty());
    }
}
