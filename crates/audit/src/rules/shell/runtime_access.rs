//! SH-006: the script drives the container runtime or loosens permissions on it.

use crate::parse::shell::{basename, Command};
use crate::project::{AuditFile, Project};
use crate::rules::{runtime_socket, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct RuntimeAccess;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SH-006"),
    name: "Script drives the container runtime or loosens permissions",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 732,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`docker`, `podman`, `nerdctl`, `ctr`, `crictl` or `nsenter` commands; `mount` with arguments; `chroot /host…`; `chmod` that opens a runtime socket (`666`, `777`, `a+rw`, `o+rw`) or anything recursively to `777`; `chown` of a runtime socket.",
        why: "An application entrypoint that talks to the runtime means the socket is mounted (CMP-001/K8S-007) and the container can control the host. Opening the socket's permissions lets every process in the container, not just root, do the same.",
        evidence: "docker/entrypoint.sh:5:1 `chmod 666 /var/run/docker.sock`.",
        remediation: "Remove runtime access from application containers; do not change permissions on sockets or system paths at start-up.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/732.html",
            "https://docs.docker.com/engine/security/#docker-daemon-attack-surface",
        ],
    },
};

fn opens(mode: &str) -> bool {
    matches!(
        mode,
        "666" | "0666" | "777" | "0777" | "a+rw" | "o+rw" | "ugo+rw" | "o+w" | "a+w" | "+rw"
    )
}

fn runtime_use(cmd: &Command) -> Option<String> {
    let words = cmd.effective();
    let name = basename(&words.first()?.value);
    let args: Vec<&str> = words[1..].iter().map(|w| w.value.as_str()).collect();
    let socket_arg = args
        .iter()
        .find(|a| runtime_socket(a).is_some() && a.ends_with(".sock"));
    match name {
        "docker" | "podman" | "nerdctl" | "ctr" | "crictl" | "nsenter" => Some(format!(
            "`{name} {}` drives the container runtime",
            args.first().unwrap_or(&"")
        )),
        "mount" if !args.is_empty() => Some("`mount` from an application container".into()),
        "chroot" if args.first().is_some_and(|a| a.starts_with("/host")) => {
            Some(format!("`chroot {}` into the host filesystem", args[0]))
        }
        "chmod" if args.iter().any(|a| opens(a)) && socket_arg.is_some() => Some(format!(
            "`chmod` opens the runtime socket `{}`",
            socket_arg.unwrap_or(&"")
        )),
        "chmod" if args.contains(&"-R") && args.iter().any(|a| *a == "777" || *a == "0777") => {
            Some("`chmod -R 777` makes a tree world-writable".into())
        }
        "chown" | "chgrp" if socket_arg.is_some() => Some(format!(
            "`{name}` hands the runtime socket `{}` to another user",
            socket_arg.unwrap_or(&"")
        )),
        _ => None,
    }
}

impl Rule for RuntimeAccess {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(script) = file
            .shell()
            .filter(|_| !crate::project::is_build_or_ci_script(&file.source.path))
        else {
            return Vec::new();
        };
        script
            .commands
            .iter()
            .filter_map(|c| {
                let what = runtime_use(c)?;
                let pos = file
                    .source
                    .pos_at(c.effective().first().map_or(c.start(), |w| w.start));
                Some(
                    file.source
                        .finding(&META, pos, what)
                        .with_key(&format!("{}:{}", pos.line, pos.column)),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_runtime_use() {
        let s = "#!/bin/sh\nchmod 666 /var/run/docker.sock\ndocker ps\nsudo chmod -R 777 /app\nnsenter -t 1 -m sh\n";
        assert_eq!(
            lines(&run(&RuntimeAccess, &[("entrypoint.sh", s)])),
            [2, 3, 4, 5]
        );
    }

    #[test]
    fn silent_in_build_and_ci_scripts() {
        let s = "#!/bin/sh\ndocker buildx build --push -t x .\n";
        assert!(run(&RuntimeAccess, &[("scripts/build.sh", s)]).is_empty());
        assert!(run(&RuntimeAccess, &[(".github/scripts/publish.sh", s)]).is_empty());
    }

    #[test]
    fn silent_for_ordinary_commands() {
        let s = "#!/bin/sh\nchmod 600 /app/key\nchmod 755 /app/run.sh\nmount\nexec gunicorn x\n";
        assert!(run(&RuntimeAccess, &[("entrypoint.sh", s)]).is_empty());
    }
}
