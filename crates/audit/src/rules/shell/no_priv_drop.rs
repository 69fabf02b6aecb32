//! SH-005: the entrypoint keeps root, or does not `exec` the application.

use crate::parse::shell::{basename, Command};
use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::root_user::root_reason;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct NoPrivDrop;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SH-005"),
    name: "Entrypoint keeps root or does not exec the application",
    category: Category::ContainerHostExposure,
    severity: Severity::Medium,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "An entrypoint script (named `*entrypoint*` or used by a Dockerfile's `ENTRYPOINT`/`CMD`) that starts the application without dropping privileges (`gosu`, `su-exec`, `setpriv`, `runuser`, `su`) while the image that runs it runs as root (DKR-001): medium. An entrypoint whose last command is not `exec …`: low.",
        why: "Without a privilege drop the application runs as root: code execution in it is root in the container. Without `exec`, the shell stays PID 1, the application gets no SIGTERM and is killed hard on every deploy, and a still-running root shell is the parent of every request handler.",
        evidence: "docker/entrypoint.sh:12:1 `gunicorn shop.wsgi` — not exec'd, no gosu/setpriv, image `Dockerfile` runs as root.",
        remediation: "End the script with `exec gosu app \"$@\"` (or `exec setpriv --reuid=10001 --regid=10001 --init-groups \"$@\"`), or better, set `USER` in the image so there is nothing to drop.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://docs.docker.com/build/building/best-practices/#entrypoint",
        ],
    },
};

const DROPPERS: &[&str] = &[
    "gosu",
    "su-exec",
    "setpriv",
    "runuser",
    "su",
    "chpst",
    "s6-setuidgid",
    "setuidgid",
];

fn drops_privileges(cmd: &Command) -> bool {
    cmd.words
        .iter()
        .take(4)
        .any(|w| DROPPERS.contains(&basename(&w.value)))
        || (cmd.name() == Some("chroot")
            && cmd.words.iter().any(|w| w.value.starts_with("--userspec")))
}

impl Rule for NoPrivDrop {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        let Some(script) = file.shell() else {
            return Vec::new();
        };
        let name = file.source.file_name();
        let runs_script = |text: &str| {
            text.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
                .any(|w| basename(w.trim_matches(['"', '\''])) == name)
        };
        let by_name: Vec<&AuditFile> = project
            .dockerfiles()
            .filter(|(_, df)| {
                df.instructions.iter().any(|i| {
                    matches!(i.keyword.as_str(), "ENTRYPOINT" | "CMD")
                        && runs_script(&i.command_text())
                })
            })
            .map(|(f, _)| f)
            .collect();
        // Two images may both run a `/start`: the one that copies this very file in
        // is the one that runs it.
        let copies_this = |f: &&AuditFile| {
            f.dockerfile().is_some_and(|df| {
                df.instructions.iter().any(|i| {
                    matches!(i.keyword.as_str(), "COPY" | "ADD") && {
                        let words: Vec<&str> = i.rest().split_whitespace().collect();
                        let sources = &words[..words.len().saturating_sub(1)];
                        sources.iter().any(|w| {
                            let w = w.trim_start_matches("./");
                            !w.is_empty()
                                && !w.starts_with('/')
                                && !w.starts_with("--")
                                && file.source.path.ends_with(w)
                        })
                    }
                })
            })
        };
        let copying: Vec<&AuditFile> = by_name.iter().copied().filter(copies_this).collect();
        let users = if copying.is_empty() { by_name } else { copying };
        let build_script = crate::project::is_build_or_ci_script(&file.source.path);
        if (build_script || !name.to_ascii_lowercase().contains("entrypoint")) && users.is_empty() {
            return Vec::new();
        }
        let Some(last) = script
            .commands
            .iter()
            .rev()
            .find(|c| !c.nested && !c.words.is_empty())
        else {
            return Vec::new();
        };
        let pos = file.source.pos_at(last.start());
        let mut out = Vec::new();
        let root_image = users
            .iter()
            .find(|f| f.dockerfile().and_then(root_reason).is_some());
        if let Some(image) = root_image.filter(|_| !script.commands.iter().any(drops_privileges)) {
            out.push(
                file.source
                    .finding(&META, pos, "Entrypoint starts the application as root: no gosu/su-exec/setpriv and the image runs as root")
                    .with_key("root")
                    .with_fact(format!("used by `{}`, which runs as root (DKR-001)", image.source.path)),
            );
        }
        if last.name() != Some("exec") {
            out.push(
                file.source
                    .finding(&META, pos, "The last command is not `exec`'d: the shell stays PID 1 and the application gets no signals")
                    .with_severity(Severity::Low)
                    .with_key("exec"),
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
    fn fires_when_root_and_not_exec() {
        let files = [
            (
                "docker/entrypoint.sh",
                "#!/bin/sh\nset -e\npython manage.py migrate\ngunicorn shop.wsgi\n",
            ),
            (
                "Dockerfile",
                "FROM python\nCOPY docker/entrypoint.sh /\nENTRYPOINT [\"/entrypoint.sh\"]\n",
            ),
        ];
        let f = run(&NoPrivDrop, &files);
        assert_eq!(lines(&f), [4, 4]);
    }

    #[test]
    fn judges_the_image_that_copies_the_script() {
        let files = [
            ("compose/production/start", "#!/bin/sh\nexec gunicorn x\n"),
            (
                "compose/local/start",
                "#!/bin/sh\nexec python manage.py runserver\n",
            ),
            (
                "compose/production/Dockerfile",
                "FROM python\nCOPY ./compose/production/start /start\nUSER app\nCMD [\"/start\"]\n",
            ),
            (
                "compose/local/Dockerfile",
                "FROM python\nCOPY ./compose/local/start /start\nCMD [\"/start\"]\n",
            ),
        ];
        let f = run(&NoPrivDrop, &files);
        assert_eq!(
            f.len(),
            1,
            "{:?}",
            f.iter()
                .map(|x| (x.location.to_string(), x.title.clone()))
                .collect::<Vec<_>>()
        );
        assert!(
            matches!(&f[0].location, tollgate_core::Location::File { path, .. } if path == "compose/local/start")
        );
    }

    #[test]
    fn silent_for_scripts_no_image_runs() {
        let files = [
            ("ci/run", "#!/bin/sh\ncargo test\n"),
            (
                "Dockerfile",
                "FROM python\nCMD [\"python\", \"manage.py\", \"runserver\"]\n",
            ),
        ];
        assert!(run(&NoPrivDrop, &files).is_empty());
    }

    #[test]
    fn silent_when_dropping_and_exec() {
        let files = [
            (
                "docker/entrypoint.sh",
                "#!/bin/sh\nset -e\nexec gosu app \"$@\"\n",
            ),
            (
                "Dockerfile",
                "FROM python\nENTRYPOINT [\"/entrypoint.sh\"]\n",
            ),
        ];
        assert!(run(&NoPrivDrop, &files).is_empty());
        let unprivileged = [
            ("entrypoint.sh", "#!/bin/sh\nexec gunicorn x\n"),
            (
                "Dockerfile",
                "FROM python\nUSER 10001\nENTRYPOINT [\"/entrypoint.sh\"]\n",
            ),
        ];
        assert!(run(&NoPrivDrop, &unprivileged).is_empty());
    }
}
