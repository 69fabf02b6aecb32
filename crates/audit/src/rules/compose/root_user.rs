//! CMP-009: a service runs as root (an explicit root `user:`, or no `user:` on a
//! service built from a Dockerfile of this repository that runs as root).

use crate::parse::compose::build;
use crate::project::{normalise_rel, AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::dockerfile::root_user::{is_root_user, root_reason};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct RootUser;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-009"),
    name: "Service runs as root",
    category: Category::ContainerHostExposure,
    severity: Severity::Medium,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "A service with `user: root`, `user: \"0\"`, `root:<group>` or `0:<group>`; or a service without `user:` whose `build:` Dockerfile (found in the audited repository) runs as root (DKR-001). Services of external images without `user:` are not reported: their user is not known statically.",
        why: "The runtime `user:` overrides the image's `USER`. Running as root turns any code execution in the service into root in the container, one step from the host when a socket or host path is mounted.",
        evidence: "docker-compose.yml:10:5 `user: root` in service `api`.",
        remediation: "Set `user: \"10001:10001\"` (a numeric, unprivileged UID) or fix the image's `USER` and drop the override.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://docs.docker.com/reference/compose-file/services/#user",
        ],
    },
};

/// The Dockerfile a service builds, if it is in the project.
fn built_dockerfile<'a>(
    file: &AuditFile,
    project: &'a Project,
    svc: &crate::parse::yaml::Node,
) -> Option<&'a AuditFile> {
    let (ctx, dockerfile) = build(svc)?;
    let base = if file.source.dir().is_empty() {
        ctx
    } else {
        format!("{}/{ctx}", file.source.dir())
    };
    project.file(&normalise_rel(&format!("{base}/{dockerfile}")))
}

impl Rule for RootUser {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for svc in services(file) {
            match svc.node.entry("user") {
                Some((k, v)) => {
                    let user = v.scalar_text().unwrap_or_default();
                    if is_root_user(&user) {
                        out.push(
                            file.source
                                .finding(
                                    &META,
                                    k.pos,
                                    format!("Service `{}` runs as `{user}`", svc.name),
                                )
                                .with_key(&svc.name),
                        );
                    }
                }
                None => {
                    let Some(df_file) = built_dockerfile(file, project, svc.node) else {
                        continue;
                    };
                    if df_file.dockerfile().and_then(root_reason).is_some() {
                        let f = file
                            .source
                            .finding(
                                &META,
                                svc.pos,
                                format!(
                                    "Service `{}` sets no `user:` and its image runs as root",
                                    svc.name
                                ),
                            )
                            .with_key(&svc.name)
                            .with_fact(format!(
                                "built from `{}`, which runs as root (DKR-001)",
                                df_file.source.path
                            ));
                        out.push(f);
                    }
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
    fn fires_on_explicit_root_and_root_images() {
        let c = "services:\n  a:\n    image: x\n    user: \"0:0\"\n  b:\n    build: ./app\n";
        let f = run(
            &RootUser,
            &[
                ("docker-compose.yml", c),
                ("app/Dockerfile", "FROM python:3.12\n"),
            ],
        );
        assert_eq!(lines(&f), [4, 5]);
    }

    #[test]
    fn silent_for_unprivileged_or_unknown() {
        let c = "services:\n  a:\n    image: postgres:16\n  b:\n    build:\n      context: app\n    user: \"10001\"\n  c:\n    build: app\n";
        assert!(run(
            &RootUser,
            &[
                ("docker-compose.yml", c),
                ("app/Dockerfile", "FROM python\nUSER 10001\n")
            ]
        )
        .is_empty());
    }
}
