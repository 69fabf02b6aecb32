//! DKR-001: the image runs as root (no `USER` in the final stage, or a root `USER`).

use crate::parse::dockerfile::{Dockerfile, MAX_STAGE_CHAIN};
use crate::project::{AuditFile, Project};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct RootUser;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-001"),
    name: "Image runs as root",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "A Dockerfile whose final stage has no `USER` instruction (inherited through `FROM <earlier stage>` too), or whose last `USER` is `root`, `0`, `root:<group>` or `0:<group>` after `ARG`/`ENV` substitution. A missing `USER` counts as root, as it does at run time.",
        why: "A process running as root inside the container is one kernel bug, one mounted socket or one writable host path away from root on the host. Code execution in the API (an SSRF chained to a debug console, a deserialisation bug) lands with every privilege the container has.",
        evidence: "Dockerfile:14:1 `USER root` (final stage `runtime`), or Dockerfile:1:1 `FROM python:3.12-slim` with no USER in the stage.",
        remediation: "Create an unprivileged user and switch to it at the end of the final stage: `RUN useradd --uid 10001 --no-create-home app` then `USER 10001:10001`. Use a numeric UID so Kubernetes' `runAsNonRoot` can verify it.",
        remediation_django: Some("Run gunicorn as the unprivileged user (`USER 10001` in the Dockerfile); collect static files and run migrations in an earlier stage or a job, so the runtime image needs no root at all."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://docs.docker.com/reference/dockerfile/#user",
            "https://docs.docker.com/build/building/best-practices/#user",
        ],
    },
};

/// Why a Dockerfile's image runs as root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootReason {
    /// No `USER` in the final stage (nor in the stages it is built from); the offset
    /// of the final `FROM`.
    NoUser(usize),
    /// The last `USER` names root; its instruction offset and the resolved user.
    RootUser(usize, String),
}

/// Whether a user spec (`root`, `0`, `root:staff`, `0:0`) is root.
pub fn is_root_user(spec: &str) -> bool {
    let user = spec.trim().split(':').next().unwrap_or("").trim();
    user == "root" || user == "0"
}

/// Why the image this Dockerfile builds runs as root, if it does.
pub fn root_reason(df: &Dockerfile) -> Option<RootReason> {
    let last = df.final_stage()?;
    let mut stage = last;
    for _ in 0..MAX_STAGE_CHAIN {
        let user = df
            .stage_instructions(stage)
            .filter(|(_, i)| i.keyword == "USER")
            .last()
            .map(|(idx, i)| (idx, df.expand_at(idx, i.rest().trim())));
        if let Some((idx, user)) = user {
            let offset = df.instructions.get(idx).map_or(0, |i| i.offset);
            return is_root_user(&user).then_some(RootReason::RootUser(offset, user));
        }
        match df.parent_stage(stage) {
            Some(parent) => stage = parent,
            None => break,
        }
    }
    let from = df
        .stages
        .get(last)
        .and_then(|s| df.instructions.get(s.from))?;
    Some(RootReason::NoUser(from.offset))
}

impl Rule for RootUser {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        match root_reason(df) {
            Some(RootReason::NoUser(at)) => vec![file
                .source
                .finding(
                    &META,
                    file.source.pos_at(at),
                    "Final stage has no USER instruction: the container runs as root",
                )
                .with_fact("no `USER` in the final stage or the stages it is built from")],
            Some(RootReason::RootUser(at, user)) => vec![file
                .source
                .finding(
                    &META,
                    file.source.pos_at(at),
                    format!("Final stage switches to `USER {user}`: the container runs as root"),
                )
                .with_fact(format!("last `USER` resolves to `{user}`"))],
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_missing_and_root_users() {
        let f = run(
            &RootUser,
            &[(
                "Dockerfile",
                "FROM python:3.12 AS build\nUSER app\nFROM python:3.12-slim\nRUN pip install x\n",
            )],
        );
        assert_eq!(lines(&f), [3]);
        let f = run(
            &RootUser,
            &[(
                "Dockerfile",
                "ARG RUN_AS=root:root\nFROM alpine\nARG RUN_AS\nUSER app\nUSER ${RUN_AS}\n",
            )],
        );
        assert_eq!(lines(&f), [5]);
        assert!(f[0].title.contains("root:root"));
        let f = run(&RootUser, &[("Dockerfile", "FROM alpine\nUSER 0\n")]);
        assert_eq!(lines(&f), [2]);
    }

    #[test]
    fn silent_for_unprivileged_users() {
        assert!(run(
            &RootUser,
            &[(
                "Dockerfile",
                "FROM alpine AS base\nUSER 10001:10001\nFROM base\nCMD [\"app\"]\n"
            )]
        )
        .is_empty());
        assert!(run(
            &RootUser,
            &[(
                "Dockerfile",
                "FROM alpine\nUSER root\nRUN apk add x\nUSER app\n"
            )]
        )
        .is_empty());
        assert!(
            run(
                &RootUser,
                &[("Dockerfile", "FROM alpine\nARG UID\nUSER $UID\n")]
            )
            .is_empty(),
            "unknown at audit time"
        );
    }
}
