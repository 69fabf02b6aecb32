//! SH-002: the script prints its environment or a secret.

use crate::names::is_secret_name;
use crate::parse::shell::{basename, Command};
use crate::project::{AuditFile, Project};
use crate::rules::shell::{env_dump_to_file, referenced_vars};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct DumpsEnv;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SH-002"),
    name: "Script prints its environment or a secret",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 532,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Commands that write the environment or a secret to standard output (the container log): bare `env`, `printenv`, `export -p`, `declare -x`, `set`; reading `/proc/*/environ`; `echo`/`printf` of secret-named variables. The same whole-environment dumps redirected to a file (`env > /app/env.txt`, `printenv >> f`, `set > f`, `export -p > f`, `cat /proc/self/environ > f`) are reported too: the file outlives the process and is read by whoever can read the volume or the image. Output piped to another command or sent to `/dev/null` is not reported.",
        why: "The container's environment holds its tokens. What an entrypoint prints ends up in `docker logs`, `kubectl logs` and the log platform, readable by far more people and systems than the secrets themselves.",
        evidence: "docker/entrypoint.sh:6:1 `env` prints the whole environment at start-up.",
        remediation: "Print only the non-secret configuration you need (`echo \"starting with LOG_LEVEL=$LOG_LEVEL\"`), never the environment or a secret.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/532.html",
        ],
    },
};

fn dumps(cmd: &Command) -> Option<String> {
    let words = cmd.effective();
    let name = basename(&words.first()?.value);
    let args: Vec<&str> = words[1..].iter().map(|w| w.value.as_str()).collect();
    let only_options = args.iter().all(|a| a.starts_with('-'));
    match name {
        "env" if only_options => Some("`env` prints the whole environment".into()),
        "printenv" if args.is_empty() => Some("`printenv` prints the whole environment".into()),
        "printenv" if args.iter().any(|a| is_secret_name(a)) => {
            Some(format!("`printenv {}` prints a secret", args.join(" ")))
        }
        "export" | "declare" | "typeset"
            if !args.is_empty()
                && args
                    .iter()
                    .all(|a| matches!(*a, "-p" | "-x" | "-px" | "-xp")) =>
        {
            Some(format!(
                "`{name} {}` prints every exported variable",
                args.join(" ")
            ))
        }
        "set" if args.is_empty() => Some("bare `set` prints every variable".into()),
        _ if args
            .iter()
            .any(|a| a.starts_with("/proc/") && a.ends_with("/environ")) =>
        {
            Some(format!("`{name}` reads a process environment from /proc"))
        }
        "echo" | "printf" => {
            let secrets: Vec<String> = words[1..]
                .iter()
                .flat_map(|w| referenced_vars(&w.raw))
                .filter(|v| is_secret_name(v))
                .collect();
            (!secrets.is_empty()).then(|| format!("`{name}` prints `${}`", secrets[0]))
        }
        _ => None,
    }
}

impl Rule for DumpsEnv {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(script) = file.shell() else {
            return Vec::new();
        };
        script
            .commands
            .iter()
            .filter(|c| !c.nested && !c.piped_to_next)
            .filter_map(|c| {
                let what = if c.stdout_to_file() {
                    env_dump_to_file(c)?
                } else {
                    dumps(c)?
                };
                let pos = file.source.pos_at(c.start());
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
    fn fires_on_env_dumps_and_echoed_secrets() {
        let s = "#!/bin/sh\nenv\necho \"token is ${API_TOKEN}\"\ncat /proc/1/environ\nexport -p\n";
        assert_eq!(
            lines(&run(&DumpsEnv, &[("entrypoint.sh", s)])),
            [2, 3, 4, 5]
        );
    }

    #[test]
    fn fires_on_env_dumps_written_to_files() {
        let s = "#!/bin/sh\nenv > /app/env.txt\nprintenv >> /tmp/e\nset > /tmp/vars\nexport -p > /tmp/x\ncat /proc/self/environ > /tmp/pe\n";
        let f = run(&DumpsEnv, &[("entrypoint.sh", s)]);
        assert_eq!(lines(&f), [2, 3, 4, 5, 6]);
        assert!(f[0].title.contains("/app/env.txt"));
    }

    #[test]
    fn silent_when_not_printed() {
        let s = "#!/bin/sh\nenv | grep -q FOO\necho \"$API_TOKEN\" | docker login --password-stdin r\necho \"$API_TOKEN\" > /run/app/token\nenv > /dev/null\nenv PYTHONPATH=/app python x.py\necho \"$LOG_LEVEL\"\nX=$(printenv HOME)\n";
        assert!(run(&DumpsEnv, &[("entrypoint.sh", s)]).is_empty());
    }
}
