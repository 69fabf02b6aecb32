//! DJ-001: DEBUG on in a deployment settings module.

use crate::project::{AuditFile, Project};
use crate::rules::django::{leaf_settings, setting};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Debug;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DJ-001"),
    name: "DEBUG on in deployment settings",
    category: Category::DataExposure,
    severity: Severity::Critical,
    cwe: 489,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "A deployment settings module (not `dev.py`/`local.py`/`test.py`, following `from .base import *`) whose `DEBUG` is `True`, or reads an environment variable whose default is truthy (`os.environ.get('DEBUG', 'True')`, `env.bool('DEBUG', default=True)`), so a deployment that forgets the variable runs in debug mode.",
        why: "With DEBUG on, any unhandled exception renders Django's technical 500 page: settings, stack frames with local variables and, under runserver, the whole process environment including tokens in env vars; before Django 5.2 the caller's Authorization header too. The 404 page lists every URL pattern.",
        evidence: "shop/settings.py:24:1 `DEBUG = os.environ.get('DJANGO_DEBUG', 'True') == 'True'` — defaults to on.",
        remediation: "Make the default off and require an explicit opt-in for development: `DEBUG = os.environ.get('DJANGO_DEBUG') == '1'`.",
        remediation_django: Some("`DEBUG = env.bool('DJANGO_DEBUG', default=False)`, and run `python manage.py check --deploy` in CI against the production settings."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/489.html",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#debug",
            "https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/",
        ],
    },
};

impl Rule for Debug {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        if leaf_settings(file, project).is_none() {
            return Vec::new();
        }
        let Some(s) = setting(file, project, "DEBUG") else {
            return Vec::new();
        };
        if s.value.truthy() != Some(true) {
            return Vec::new();
        }
        let literal = matches!(s.assign.value, crate::parse::python::Expr::Bool(true));
        let title = if literal {
            "`DEBUG = True` in deployment settings"
        } else {
            "DEBUG defaults to on when its environment variable is unset"
        };
        vec![s
            .file
            .source
            .finding(&META, s.pos(), title)
            .with_fact(format!("settings module `{}`", file.source.path))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_debug_true_and_truthy_defaults() {
        assert_eq!(
            lines(&run(
                &Debug,
                &[("shop/settings.py", "SECRET_KEY = x\nDEBUG = True\n")]
            )),
            [2]
        );
        let split = [
            (
                "shop/settings/base.py",
                "DEBUG = True\nINSTALLED_APPS = []\n",
            ),
            (
                "shop/settings/production.py",
                "from .base import *\nALLOWED_HOSTS = ['api.example']\n",
            ),
        ];
        let f = run(&Debug, &split);
        assert_eq!(lines(&f), [1]);
        assert!(
            matches!(&f[0].location, tollgate_core::Location::File { path, .. } if path.ends_with("base.py"))
        );
    }

    #[test]
    fn silent_when_off_or_overridden_or_dev() {
        assert!(run(
            &Debug,
            &[(
                "shop/settings.py",
                "import os\nSECRET_KEY = x\nDEBUG = os.environ.get('DEBUG') == '1'\n"
            )]
        )
        .is_empty());
        let split = [
            (
                "shop/settings/base.py",
                "DEBUG = True\nINSTALLED_APPS = []\n",
            ),
            (
                "shop/settings/production.py",
                "from .base import *\nDEBUG = False\n",
            ),
            (
                "shop/settings/dev.py",
                "from .base import *\nDEBUG = True\n",
            ),
        ];
        assert!(run(&Debug, &split).is_empty());
    }
}
