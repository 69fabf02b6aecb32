//! DKR-004: credential setup in `RUN` without a BuildKit secret mount.

use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::run_scripts;
use crate::rules::shell::credential_setup;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct CredSetup;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-004"),
    name: "Credentials set up in a RUN layer",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 522,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`RUN` commands that hand a credential to a tool without `--mount=type=secret`: `aws configure set aws_secret_access_key`, `gcloud auth activate-service-account`, `az login -p`, `doctl auth init -t`, `docker login -p`, npm `_authToken`, `curl -H \"Authorization: …\"` or `curl -u`, and `echo … > ~/.netrc`/`.npmrc`/`.pypirc`/`.docker/config.json`.",
        why: "The command line of every `RUN` is stored in the image history, and files it writes stay in the layer even if a later instruction deletes them. The credential ships with the image to every registry and every host that pulls it.",
        evidence: "Dockerfile:12:5 `RUN docker login -u ci -p $REGISTRY_PASSWORD registry.example` without a secret mount.",
        remediation: "Use BuildKit secrets: `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`, and pass `--secret id=npmrc,src=$HOME/.npmrc` to `docker build`. The secret is available to that one command and never written to a layer.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/522.html",
            "https://docs.docker.com/build/building/secrets/",
        ],
    },
};

impl Rule for CredSetup {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for rs in run_scripts(df).iter().filter(|rs| !rs.has_secret_mount()) {
            for hit in rs.script.commands.iter().filter_map(credential_setup) {
                let pos = rs.pos(file, hit.at);
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos,
                            format!("RUN without a secret mount: {}", hit.what),
                        )
                        .with_key(&format!("{}:{}", rs.index, hit.at))
                        .with_fact(hit.what),
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
    fn fires_on_logins_and_credential_files() {
        let df = "FROM x\nRUN apt-get update && \\\n    docker login -u ci -p \"$PW\" reg && \\\n    echo \"//r/:_authToken=$T\" > /root/.npmrc\nRUN aws configure set aws_secret_access_key $K\n";
        assert_eq!(lines(&run(&CredSetup, &[("Dockerfile", df)])), [3, 4, 5]);
    }

    #[test]
    fn silent_with_secret_mounts() {
        let df = "FROM x\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\nRUN --mount=type=secret,id=pw docker login -u ci --password-stdin reg < /run/secrets/pw\n";
        assert!(run(&CredSetup, &[("Dockerfile", df)]).is_empty());
    }
}
