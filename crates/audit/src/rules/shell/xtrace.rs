//! SH-001: xtrace prints the script's secrets to the logs.

use crate::names::is_secret_name;
use crate::parse::shell::basename;
use crate::project::{AuditFile, Project};
use crate::rules::shell::referenced_vars;
use crate::rules::{Rule, OWASP_API8};
use crate::source::Pos;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Xtrace;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SH-001"),
    name: "Shell tracing prints secrets to the logs",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 532,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`set -x` (also in combined flags such as `set -eux`), `set -o xtrace`, a `#!/bin/bash -x` shebang or `bash -x script` in a script that reads secret-named variables (`$API_TOKEN`, `${DB_PASSWORD}`, `$SECRET_KEY`, …).",
        why: "xtrace writes every command to stderr after expansion, so `curl -H \"Authorization: Bearer $TOKEN\"` lands in the container log with the token in clear. Container logs are shipped to log platforms many more people can read than the secret store.",
        evidence: "docker/entrypoint.sh:2:1 `set -x` in a script that expands `$DEPLOY_GITHUB_PAT`.",
        remediation: "Remove `set -x` from entrypoints; if tracing is needed for debugging, enable it behind an opt-in variable and turn it off (`set +x`) around lines that use secrets.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/532.html",
            "https://www.gnu.org/software/bash/manual/html_node/The-Set-Builtin.html",
        ],
    },
};

fn traces(flag: &str) -> bool {
    flag.starts_with('-')
        && !flag.starts_with("--")
        && flag[1..].chars().all(|c| c.is_ascii_alphabetic())
        && flag.contains('x')
}

impl Rule for Xtrace {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(script) = file.shell() else {
            return Vec::new();
        };
        let mut secrets: Vec<String> = referenced_vars(&file.source.text)
            .into_iter()
            .filter(|v| is_secret_name(v))
            .collect();
        secrets.sort();
        secrets.dedup();
        if secrets.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(Pos, String)> = Vec::new();
        if script
            .shebang
            .as_deref()
            .is_some_and(|s| s.split_whitespace().skip(1).any(traces))
        {
            found.push((Pos::START, "the shebang turns on xtrace".into()));
        }
        for cmd in &script.commands {
            let words = cmd.effective();
            let Some(first) = words.first() else { continue };
            let name = basename(&first.value);
            let args: Vec<&str> = words[1..].iter().map(|w| w.value.as_str()).collect();
            let on = match name {
                "set" => {
                    args.iter().any(|a| traces(a))
                        || args.windows(2).any(|w| w[0] == "-o" && w[1] == "xtrace")
                }
                "sh" | "bash" | "dash" | "zsh" => args.first().is_some_and(|a| traces(a)),
                _ => false,
            };
            if on {
                found.push((
                    file.source.pos_at(first.start),
                    format!("`{name} {}` turns on xtrace", args.join(" ")),
                ));
            }
        }
        let vars = secrets
            .iter()
            .map(|v| format!("${v}"))
            .collect::<Vec<_>>()
            .join(", ");
        found
            .into_iter()
            .map(|(pos, what)| {
                file.source
                    .finding(
                        &META,
                        pos,
                        format!("{what} in a script that expands {vars}"),
                    )
                    .with_key(&format!("{}:{}", pos.line, pos.column))
                    .with_fact(format!("secret-named variables: {vars}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_when_tracing_a_script_with_secrets() {
        let s =
            "#!/bin/bash -ex\nset -eux\ncurl -H \"Authorization: Bearer $API_TOKEN\" https://x\n";
        assert_eq!(lines(&run(&Xtrace, &[("entrypoint.sh", s)])), [1, 2]);
    }

    #[test]
    fn silent_without_secrets_or_tracing() {
        assert!(run(&Xtrace, &[("a.sh", "#!/bin/sh\nset -x\necho $HOME\n")]).is_empty());
        assert!(run(
            &Xtrace,
            &[(
                "b.sh",
                "#!/bin/sh\nset -eu\ncurl -H \"Authorization: Bearer $API_TOKEN\" x\n"
            )]
        )
        .is_empty());
    }
}
