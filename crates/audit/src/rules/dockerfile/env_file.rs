//! DKR-011: a `RUN` writes the build environment to a file in the image.

use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::run_scripts;
use crate::rules::shell::env_dump_to_file;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct EnvFile;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-011"),
    name: "RUN writes the environment to a file",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 538,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`RUN` commands that write the whole build environment to a file: `env > f`, `printenv >> f`, bare `set > f`, `export -p > f`, `cat /proc/self/environ > f`. Output piped onwards or sent to `/dev/null` is not reported.",
        why: "During a build the environment holds every `ARG` and `ENV` value, build tokens included. A file written by `RUN` is part of the image layer: it ships to every registry and host that pulls the image, even if a later instruction deletes it.",
        evidence: "Dockerfile:18:5 `RUN env > /app/build-env.txt` writes the whole environment into the image.",
        remediation: "Do not write the environment into the image. Record only the non-secret values you need (`echo \"$APP_VERSION\" > /app/version`), and pass build credentials as BuildKit secrets (`RUN --mount=type=secret,…`), which never appear in the environment of later layers.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/538.html",
            "https://docs.docker.com/build/building/secrets/",
        ],
    },
};

impl Rule for EnvFile {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for rs in run_scripts(df) {
            for cmd in &rs.script.commands {
                let Some(what) = env_dump_to_file(cmd) else {
                    continue;
                };
                let at = cmd.start();
                let pos = rs.pos(file, at);
                out.push(
                    file.source
                        .finding(&META, pos, format!("RUN: {what}"))
                        .with_key(&format!("{}:{at}", rs.index))
                        .with_fact(what),
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
    fn fires_on_environment_written_to_files() {
        let df = "FROM x\nRUN env > /app/env.txt\nRUN apt-get update && \\\n    printenv >> /tmp/e\nRUN set > /tmp/vars && export -p > /tmp/x\nRUN <<EOF\ncat /proc/self/environ > /tmp/pe\nEOF\n";
        let f = run(&EnvFile, &[("Dockerfile", df)]);
        assert_eq!(lines(&f), [2, 4, 5, 5, 7]);
        assert!(f[0].title.contains("/app/env.txt"));
    }

    #[test]
    fn silent_when_nothing_is_kept() {
        let df = "FROM x\nRUN env\nRUN env > /dev/null\nRUN env | grep -q PATH\nRUN env PYTHONPATH=/app python x.py > /tmp/out\nRUN printenv HOME > /tmp/home\nRUN echo \"$APP_VERSION\" > /app/version\n";
        assert!(run(&EnvFile, &[("Dockerfile", df)]).is_empty());
    }
}
