//! K8S-014: debug mode switched on through a container's environment.

use crate::parse::yaml::Node;
use crate::project::{AuditFile, Project};
use crate::rules::k8s::containers;
use crate::rules::{env_var_fact, is_debug_var, is_truthy_flag, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct DebugEnv;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-014"),
    name: "Debug mode enabled through the environment",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 489,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Container `env` entries `DEBUG`, `DJANGO_DEBUG`, `FLASK_DEBUG` or `APP_DEBUG` set to `1`, `true`, `True` or `yes`.",
        why: "Framework debug pages print settings, stack frames with local variables and, for Django under runserver, the process environment: every token in an env var of the pod is one error page away from the internet.",
        evidence: "k8s/deployment.yaml:44:20 `value: \"True\"` for env var `DJANGO_DEBUG` in Deployment/api container `web`.",
        remediation: "Remove the variable or set it to false in production overlays; make the application's default off.",
        remediation_django: Some("`DEBUG = env.bool('DJANGO_DEBUG', default=False)` and no `DJANGO_DEBUG` in production manifests."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/489.html",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#debug",
        ],
    },
};

impl Rule for DebugEnv {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in containers(file) {
            for item in c.node.get("env").map(Node::items).unwrap_or(&[]) {
                let name = item
                    .get("name")
                    .and_then(Node::scalar_text)
                    .unwrap_or_default();
                let Some(v) = item.get("value") else { continue };
                let value = v.scalar_text().unwrap_or_default();
                if is_debug_var(&name) && is_truthy_flag(&value) {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                v.pos,
                                format!("`{name}={value}` turns debug mode on in {}", c.label()),
                            )
                            .with_key(&c.key(&name))
                            .with_fact(env_var_fact(&name)),
                    );
                }
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
    fn fires_on_debug_true() {
        let p = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      env:\n        - name: DJANGO_DEBUG\n          value: \"True\"\n";
        assert_eq!(lines(&run(&DebugEnv, &[("p.yaml", p)])), [9]);
    }

    #[test]
    fn silent_when_off() {
        let p = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      env: [{name: DJANGO_DEBUG, value: \"False\"}, {name: DEBUG_TOOLBAR, value: \"1\"}]\n";
        assert!(run(&DebugEnv, &[("p.yaml", p)]).is_empty());
    }
}
