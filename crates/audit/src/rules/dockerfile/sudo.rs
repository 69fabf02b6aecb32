//! DKR-007: `sudo` installed or used in the image.

use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::{installed_packages, pos_of, run_scripts};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Sudo;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-007"),
    name: "sudo installed or used in the image",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`RUN` lines that call `sudo` or install the `sudo` package (apt, apk, yum, dnf, zypper).",
        why: "sudo in an image gives any process running as the application user a way back to root: a configured sudoers entry or a sudo vulnerability turns code execution in the API into root in the container, the first step of an escape.",
        evidence: "Dockerfile:5:5 `RUN apt-get install -y sudo && echo 'app ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers`.",
        remediation: "Do privileged setup as root in the Dockerfile before `USER`, then drop privileges for good; if something must change user at start-up, use `gosu` or `setpriv` in the entrypoint and never ship sudo.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://docs.docker.com/build/building/best-practices/#user",
        ],
    },
};

impl Rule for Sudo {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for ins in df
            .instructions
            .iter()
            .filter(|i| i.keyword == "COPY" || i.keyword == "ADD")
        {
            let words: Vec<String> = ins
                .exec_form()
                .unwrap_or_else(|| ins.rest().split_whitespace().map(str::to_string).collect());
            let dest = words.iter().rev().find(|w| !w.starts_with("--"));
            if dest.is_some_and(|d| d.starts_with("/etc/sudoers")) {
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos_of(file, ins),
                            format!("`{}` installs a sudoers rule", ins.keyword),
                        )
                        .with_key(&format!("copy:{}", ins.offset)),
                );
            }
        }
        for rs in run_scripts(df) {
            for cmd in &rs.script.commands {
                let Some(first) = cmd.words.first() else {
                    continue;
                };
                let package = cmd.effective().iter().skip(1).find(|w| w.value == "sudo");
                let writer = matches!(
                    cmd.effective_name(),
                    Some("tee" | "cp" | "install" | "mv" | "ln")
                );
                let to_sudoers = cmd
                    .redirects
                    .iter()
                    .filter(|r| r.op.starts_with('>'))
                    .filter_map(|r| r.target.as_ref())
                    .chain(cmd.effective().iter().skip(1).filter(|_| writer))
                    .any(|w| w.value.starts_with("/etc/sudoers"));
                let nopasswd = cmd.words.iter().any(|w| w.value.contains("NOPASSWD"));
                let (at, title) = if nopasswd {
                    (first.start, "RUN grants password-less sudo (`NOPASSWD`)")
                } else if to_sudoers {
                    (first.start, "RUN writes a sudoers rule")
                } else if cmd.name() == Some("sudo") {
                    (first.start, "RUN uses sudo")
                } else if let Some(w) =
                    package.filter(|_| installed_packages(cmd.effective()).contains(&"sudo"))
                {
                    (w.start, "RUN installs the sudo package")
                } else {
                    continue;
                };
                out.push(
                    file.source
                        .finding(&META, rs.pos(file, at), title)
                        .with_key(&format!("{}:{at}", rs.index)),
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
    fn fires_on_sudo() {
        let df = "FROM x\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n      curl sudo\nRUN sudo chown app /srv\n";
        assert_eq!(lines(&run(&Sudo, &[("Dockerfile", df)])), [3, 4]);
    }

    #[test]
    fn fires_on_sudoers_rules() {
        let df = "FROM x\nRUN echo 'app ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers.d/app\nCOPY conf/app.sudoers /etc/sudoers.d/app\nRUN chmod 0440 /etc/sudoers.d/app\nRUN tee /etc/sudoers.d/ops < ops.rules\n";
        assert_eq!(lines(&run(&Sudo, &[("Dockerfile", df)])), [2, 3, 5]);
    }

    #[test]
    fn silent_without_sudo() {
        assert!(run(
            &Sudo,
            &[(
                "Dockerfile",
                "FROM x\nRUN apt-get install -y gosu && echo sudo-less\n"
            )]
        )
        .is_empty());
    }
}
