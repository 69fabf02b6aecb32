//! CMP-004: dangerous capabilities added, or capabilities not dropped.

use crate::parse::compose::strings;
use crate::project::{AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{capability_name, Rule, DANGEROUS_CAPS, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Capabilities;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-004"),
    name: "Dangerous capabilities or no capability drop",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 250,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`cap_add` with `ALL`, `SYS_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `DAC_READ_SEARCH`, `NET_ADMIN`, `NET_RAW`, `SYS_RAWIO`, `BPF` (with or without `CAP_`) is high; a service without `cap_drop: [ALL]` is low.",
        why: "`SYS_ADMIN` alone allows mounts and most known container escapes; `SYS_PTRACE` reads other processes' memory and tokens; `NET_RAW`/`NET_ADMIN` enable spoofing on the host network. Docker's default set is broader than most APIs need.",
        evidence: "docker-compose.yml:19:9 `- SYS_ADMIN` in `cap_add` of service `worker`.",
        remediation: "Start from nothing: `cap_drop: [ALL]`, then add back only what is needed (usually nothing; `NET_BIND_SERVICE` for ports below 1024).",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/250.html",
            "https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities",
        ],
    },
};

impl Rule for Capabilities {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        for svc in services(file) {
            for (cap, pos) in strings(svc.node.get("cap_add")) {
                let name = capability_name(&cap);
                if DANGEROUS_CAPS.contains(&name.as_str()) {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                pos,
                                format!("Service `{}` adds capability `{name}`", svc.name),
                            )
                            .with_key(&format!("{}:{name}", svc.name)),
                    );
                }
            }
            let drops_all = strings(svc.node.get("cap_drop"))
                .iter()
                .any(|(c, _)| capability_name(c) == "ALL");
            if !drops_all {
                let pos = svc.node.entry("cap_drop").map_or(svc.pos, |(k, _)| k.pos);
                out.push(
                    file.source
                        .finding(&META, pos, format!("Service `{}` keeps Docker's default capabilities (no `cap_drop: [ALL]`)", svc.name))
                        .with_severity(Severity::Low)
                        .with_key(&format!("{}:no-drop", svc.name)),
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
    fn fires_on_added_caps_and_missing_drop() {
        let c = "services:\n  a:\n    cap_add:\n      - CAP_SYS_ADMIN\n      - NET_BIND_SERVICE\n";
        assert_eq!(
            lines(&run(&Capabilities, &[("docker-compose.yml", c)])),
            [2, 4]
        );
    }

    #[test]
    fn silent_when_all_dropped() {
        let c = "services:\n  a:\n    cap_drop: [ALL]\n    cap_add: [NET_BIND_SERVICE]\n";
        assert!(run(&Capabilities, &[("docker-compose.yml", c)]).is_empty());
    }
}
