//! DJ-007: error reports (DEBUG pages, admin e-mails) do not redact credentials.

use crate::project::{AuditFile, Project};
use crate::rules::django::{leaf_settings, setting};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct ReporterFilter;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DJ-007"),
    name: "Error reports do not redact credentials",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 209,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Deployment settings that produce error reports — DEBUG on (high), or `ADMINS` set so errors are e-mailed (medium) — without a custom `DEFAULT_EXCEPTION_REPORTER_FILTER`. Django's default filter hides only names matching `API|TOKEN|KEY|SECRET|PASS|SIGNATURE` (and `AUTH`, `HTTP_COOKIE` since 5.2), so `DATABASE_URL`, `SENTRY_DSN`, `*_PAT` or `DOCKER_HOST` are shown in full; on Django versions before 5.2 (from the requirements) the caller's `Authorization` header is shown too.",
        why: "The technical 500 page and the admin error e-mail print settings and `request.META`, which under runserver holds the whole process environment. Every token whose variable name slips past the filter's pattern is readable by whoever triggers an error.",
        evidence: "shop/settings.py:22:1 `DEBUG = True` and no DEFAULT_EXCEPTION_REPORTER_FILTER: `DEPLOY_GITHUB_PAT` and `DATABASE_URL` are shown unmasked on the 500 page.",
        remediation: "Keep DEBUG off, and install a reporter filter whose `hidden_settings` also covers URLs, DSNs and your own naming (`PAT`, `CREDENTIAL`, `_URL`).",
        remediation_django: Some("Subclass `SafeExceptionReporterFilter` with `hidden_settings = re.compile('API|TOKEN|KEY|SECRET|PASS|SIGNATURE|AUTH|COOKIE|DSN|URL|PAT|CREDENTIAL', re.I)` and point `DEFAULT_EXCEPTION_REPORTER_FILTER` at it; upgrade to Django 5.2+ so `HTTP_AUTHORIZATION` is masked."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/209.html",
            "https://docs.djangoproject.com/en/5.2/howto/error-reporting/#filtering-error-reports",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#default-exception-reporter-filter",
        ],
    },
};

const DEFAULT_FILTER: &str = "django.views.debug.SafeExceptionReporterFilter";

impl Rule for ReporterFilter {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        if leaf_settings(file, project).is_none() {
            return Vec::new();
        }
        let custom = setting(file, project, "DEFAULT_EXCEPTION_REPORTER_FILTER")
            .is_some_and(|s| s.value.as_str().is_some_and(|v| v != DEFAULT_FILTER));
        if custom {
            return Vec::new();
        }
        let debug = setting(file, project, "DEBUG").filter(|s| s.value.truthy() == Some(true));
        let admins = setting(file, project, "ADMINS").filter(|s| s.value.truthy() == Some(true));
        let (s, severity, how) = match (debug, admins) {
            (Some(d), _) => (d, Severity::High, "the DEBUG 500 page"),
            (None, Some(a)) => (a, Severity::Medium, "error e-mails to ADMINS"),
            (None, None) => return Vec::new(),
        };
        let mut f = s
            .file
            .source
            .finding(&META, s.pos(), format!("Credentials appear in {how}: no DEFAULT_EXCEPTION_REPORTER_FILTER beyond Django's default"))
            .with_severity(severity)
            .with_fact("the default filter misses names such as DATABASE_URL, SENTRY_DSN, *_PAT, DOCKER_HOST");
        if let Some((major, minor)) = project.django_version().filter(|v| *v < (5, 2)) {
            f = f.with_fact(format!("Django {major}.{minor} (< 5.2): the Authorization header (HTTP_AUTHORIZATION) is shown unmasked"));
        }
        vec![f]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_with_debug_or_admins() {
        let f = run(
            &ReporterFilter,
            &[
                ("settings.py", "SECRET_KEY = k\nDEBUG = True\n"),
                ("requirements.txt", "Django==4.2.16\n"),
            ],
        );
        assert_eq!(lines(&f), [2]);
        assert!(f[0].evidence.facts.iter().any(|x| x.contains("4.2")));
        let f = run(
            &ReporterFilter,
            &[(
                "settings.py",
                "DEBUG = False\nADMINS = [('ops', 'ops@example.com')]\n",
            )],
        );
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn silent_with_custom_filter_or_no_reports() {
        assert!(run(
            &ReporterFilter,
            &[(
                "settings.py",
                "DEBUG = True\nDEFAULT_EXCEPTION_REPORTER_FILTER = 'shop.errors.StrictFilter'\n"
            )]
        )
        .is_empty());
        assert!(run(
            &ReporterFilter,
            &[("settings.py", "DEBUG = False\nADMINS = []\n")]
        )
        .is_empty());
    }
}
