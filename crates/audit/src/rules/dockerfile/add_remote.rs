//! DKR-006: remote code fetched into the image unverified (`ADD` of URLs and
//! archives, `curl … | sh`), and TLS verification turned off (merges checklist D6
//! and D8).

use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::{pos_in, pos_of, run_scripts};
use crate::rules::shell::{remote_exec, tls_env, tls_off};
use crate::rules::{Rule, OWASP_API10};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct AddRemote;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-006"),
    name: "Unverified remote content or TLS verification off at build time",
    category: Category::UnsafeConsumption,
    severity: Severity::Medium,
    cwe: 494,
    owasp: Owasp::Api10,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`ADD` of a URL without `--checksum` (and `ADD` of local archives, which it silently extracts); `RUN curl|wget … | sh` and `sh -c \"$(curl …)\"`; and TLS verification switched off: `curl -k`, `wget --no-check-certificate`, `pip --trusted-host`, `git … sslVerify false`, `npm strict-ssl false`, `PYTHONHTTPSVERIFY=0`, `NODE_TLS_REJECT_UNAUTHORIZED=0`, `GIT_SSL_NO_VERIFY`, empty `REQUESTS_CA_BUNDLE`.",
        why: "Whoever controls the download, or sits on the network path once TLS checks are off, decides what runs in the image, with the build's and later the API's privileges and tokens. TLS switched off in `ENV` also stays off for the application's own outbound calls at run time.",
        evidence: "Dockerfile:6:5 `RUN curl -fsSL https://get.example.sh | sh`.",
        remediation: "Download to a file, verify a pinned checksum or signature, then run it; use `ADD --checksum=sha256:…` for remote files and `COPY` for local ones. Never disable certificate verification: add the internal CA to the trust store instead.",
        remediation_django: None,
        references: &[
            OWASP_API10,
            "https://cwe.mitre.org/data/definitions/494.html",
            "https://docs.docker.com/reference/dockerfile/#add",
        ],
    },
};

fn add_findings(file: &AuditFile, ins: &crate::parse::dockerfile::Instruction) -> Option<Finding> {
    let words: Vec<&str> = ins.rest().split_whitespace().collect();
    let (_, srcs) = words.split_last()?;
    let checksum = ins.flags().iter().any(|f| f.name == "checksum");
    let remote = srcs
        .iter()
        .find(|s| s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@"));
    let archive = srcs.iter().find(|s| {
        [".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2"]
            .iter()
            .any(|e| s.ends_with(e))
    });
    let (title, severity) = match (remote, archive) {
        (Some(url), _) if !checksum => (
            format!("`ADD {url}` fetches remote content without a checksum"),
            Severity::Medium,
        ),
        (None, Some(a)) => (
            format!("`ADD {a}` extracts an archive implicitly; use COPY and extract explicitly"),
            Severity::Low,
        ),
        _ => return None,
    };
    Some(
        file.source
            .finding(&META, pos_of(file, ins), title)
            .with_severity(severity),
    )
}

impl Rule for AddRemote {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        let mut out: Vec<Finding> = df
            .instructions
            .iter()
            .filter(|i| i.keyword == "ADD")
            .filter_map(|i| add_findings(file, i))
            .collect();
        for rs in run_scripts(df) {
            let hits = remote_exec(&rs.script)
                .into_iter()
                .chain(rs.script.commands.iter().filter_map(tls_off));
            for hit in hits {
                let pos = rs.pos(file, hit.at);
                out.push(
                    file.source
                        .finding(&META, pos, hit.what.clone())
                        .with_key(&format!("{}:{}", rs.index, hit.at)),
                );
            }
        }
        for ins in df.instructions.iter().filter(|i| i.keyword == "ENV") {
            for kv in ins.key_values() {
                let assignment = format!("{}={}", kv.key, kv.value.as_deref().unwrap_or(""));
                if let Some(what) = kv.value.as_ref().and_then(|_| tls_env(&assignment)) {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                pos_in(file, ins, kv.at),
                                format!("ENV {what} for the build and the running API"),
                            )
                            .with_key(&kv.key),
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
    fn fires_on_remote_fetches_and_tls_off() {
        let df = "FROM x\nADD https://e.example/tool.tgz /opt/\nRUN curl -fsSL https://get.example | sh\nRUN pip install --trusted-host pypi.internal app\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n";
        assert_eq!(lines(&run(&AddRemote, &[("Dockerfile", df)])), [2, 3, 4, 5]);
    }

    #[test]
    fn silent_for_verified_downloads() {
        let df = "FROM x\nADD --checksum=sha256:abc https://e.example/tool.tgz /opt/\nCOPY app.tar /opt/\nRUN curl -fsSLo /tmp/i.sh https://get.example && sha256sum -c sums && sh /tmp/i.sh\n";
        assert!(run(&AddRemote, &[("Dockerfile", df)]).is_empty());
    }
}
