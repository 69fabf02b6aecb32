//! DJ-003: `ALLOWED_HOSTS` accepts any Host header.

use crate::project::{AuditFile, Project};
use crate::rules::django::{leaf_settings, setting};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct AllowedHosts;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DJ-003"),
    name: "Host header not restricted",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::Medium,
    cwe: 644,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`ALLOWED_HOSTS` containing `'*'` in a deployment settings module, including through an environment default (`os.environ.get('ALLOWED_HOSTS', '*').split(',')`). Django's own check flags only an empty list.",
        why: "Django builds absolute URLs — password-reset links, OAuth redirect URIs, `request.build_absolute_uri()` — from the Host header. Accepting any host lets an attacker send a victim a reset link pointing at the attacker's server, carrying the reset token, and poisons caches keyed on the host.",
        evidence: "shop/settings.py:30:1 `ALLOWED_HOSTS = ['*']`.",
        remediation: "List the exact host names the API answers to; put health checks on a path the load balancer calls with a listed host.",
        remediation_django: Some("`ALLOWED_HOSTS = env.list('DJANGO_ALLOWED_HOSTS')` with no wildcard default, e.g. `api.example.com`."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/644.html",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts",
        ],
    },
};

impl Rule for AllowedHosts {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        if leaf_settings(file, project).is_none() {
            return Vec::new();
        }
        let Some(s) = setting(file, project, "ALLOWED_HOSTS") else {
            return Vec::new();
        };
        if !s.value.strings().iter().any(|h| h.trim() == "*") {
            return Vec::new();
        }
        vec![s.file.source.finding(
            &META,
            s.pos(),
            "ALLOWED_HOSTS accepts any Host header (`'*'`)",
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_wildcard() {
        assert_eq!(
            lines(&run(
                &AllowedHosts,
                &[(
                    "settings.py",
                    "DEBUG = False\nALLOWED_HOSTS = ['api.example', '*']\n"
                )]
            )),
            [2]
        );
    }

    #[test]
    fn silent_for_listed_hosts() {
        assert!(run(
            &AllowedHosts,
            &[(
                "settings.py",
                "DEBUG = False\nALLOWED_HOSTS = ['api.example', '.example.org']\n"
            )]
        )
        .is_empty());
    }
}
