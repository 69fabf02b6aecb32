//! SH-004: remote code run without verification, or TLS verification off.

use crate::project::{AuditFile, Project};
use crate::rules::shell::{remote_exec, tls_off};
use crate::rules::{Rule, OWASP_API10};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct RemoteExec;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SH-004"),
    name: "Downloaded code executed, or TLS verification off",
    category: Category::UnsafeConsumption,
    severity: Severity::High,
    cwe: 494,
    owasp: Owasp::Api10,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`curl|wget … | sh`, `eval \"$(curl …)\"`, `bash <(curl …)`, `sh -c \"$(wget …)\"`; and `curl -k`/`--insecure`, `wget --no-check-certificate`, `pip --trusted-host`, `git … sslVerify false`, `PYTHONHTTPSVERIFY=0`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY` in a script.",
        why: "At start-up the container runs whatever the remote server (or anyone on the network path, once TLS checks are off) returns, with the container's privileges and every token in its environment.",
        evidence: "docker/entrypoint.sh:8:1 `curl -fsSL https://agent.example/install | sh`.",
        remediation: "Bake dependencies into the image at build time with pinned checksums; never fetch and execute code at start-up, and never disable certificate verification (trust the internal CA instead).",
        remediation_django: None,
        references: &[
            OWASP_API10,
            "https://cwe.mitre.org/data/definitions/494.html",
            "https://cwe.mitre.org/data/definitions/295.html",
        ],
    },
};

impl Rule for RemoteExec {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(script) = file.shell() else {
            return Vec::new();
        };
        remote_exec(script)
            .into_iter()
            .chain(script.commands.iter().filter_map(tls_off))
            .map(|hit| {
                let pos = file.source.pos_at(hit.at);
                file.source
                    .finding(&META, pos, hit.what)
                    .with_key(&format!("{}:{}", pos.line, pos.column))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_pipes_to_shells_and_insecure_fetches() {
        let s = "#!/bin/sh\ncurl -fsSL https://x/install | sh\neval \"$(wget -qO- https://y)\"\ncurl --insecure https://z\n";
        assert_eq!(lines(&run(&RemoteExec, &[("entrypoint.sh", s)])), [2, 3, 4]);
    }

    #[test]
    fn silent_for_plain_downloads() {
        let s = "#!/bin/sh\ncurl -fsSL -o /tmp/cfg.json https://x/cfg.json\njq . /tmp/cfg.json\n";
        assert!(run(&RemoteExec, &[("entrypoint.sh", s)]).is_empty());
    }
}
