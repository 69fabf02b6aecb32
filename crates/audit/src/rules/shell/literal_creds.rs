//! SH-003: literal credentials in a script.

use crate::names::{is_literal_secret_value, is_secret_name};
use crate::parse::shell::{basename, Command, Word};
use crate::project::{AuditFile, Project};
use crate::rules::shell::literal_arg;
use crate::rules::{env_var_fact, masking, Rule, OWASP_API8};
use crate::secrets::find_secrets;
use crate::source::Pos;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct LiteralCreds;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SH-003"),
    name: "Literal credentials in a script",
    category: Category::DataExposure,
    severity: Severity::Critical,
    cwe: 798,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Values matching tollgate's secret patterns anywhere in a script (tokens, JWTs, `Authorization: Bearer …` headers, database URLs with passwords); literal passwords on command lines (`curl -u user:pass`, `docker login -p …`, `--password …`, `sshpass -p …`, `mysql -p…`); literal values assigned or exported under secret-looking names.",
        why: "The credential is in the repository and in every image the script is copied into; on a command line it is also visible to every process on the host through `ps` and `/proc/<pid>/cmdline`.",
        evidence: "docker/entrypoint.sh:9:1 `export API_TOKEN=tg_…` — literal value for a secret-named variable.",
        remediation: "Rotate the credential; read it at run time from a mounted secret file (`TOKEN=$(cat /run/secrets/api_token)`) and pass it to tools on standard input (`--password-stdin`) rather than on the command line.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/798.html",
        ],
    },
};

/// A literal password word following a password option.
fn password_arg(cmd: &Command) -> Option<&Word> {
    let words = cmd.effective();
    let name = basename(&words.first()?.value);
    let args = &words[1..];
    for (i, w) in args.iter().enumerate() {
        let next = args.get(i + 1).filter(|n| literal_arg(n));
        let found = match w.value.as_str() {
            "-u" | "--user" if name == "curl" => next.filter(|n| {
                n.value.contains(':') && n.value.split(':').nth(1).is_some_and(|p| !p.is_empty())
            }),
            "-p" if matches!(name, "docker" | "podman" | "sshpass" | "helm") => next,
            "--password" => next,
            v if v.starts_with("--password=") && !v.contains('$') && v.len() > 11 => Some(w),
            v if matches!(name, "mysql" | "mariadb" | "mysqldump")
                && v.starts_with("-p")
                && v.len() > 2
                && !v.contains('$') =>
            {
                Some(w)
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// `NAME=literal` assignments and exports under secret-looking names.
fn secret_assignments(cmd: &Command) -> Vec<(&Word, String, String)> {
    let exported = if cmd.name() == Some("export") {
        &cmd.words[1..]
    } else {
        &[][..]
    };
    cmd.assignments
        .iter()
        .chain(exported.iter())
        .filter_map(|w| {
            let (name, value) = w.value.split_once('=')?;
            (is_secret_name(name) && is_literal_secret_value(value) && !w.raw.contains('$'))
                .then(|| (w, name.to_string(), value.to_string()))
        })
        .collect()
}

impl Rule for LiteralCreds {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(script) = file.shell().filter(|_| !file.is_test_or_fixture()) else {
            return Vec::new();
        };
        let mut out: Vec<Finding> = Vec::new();
        let mut lines: Vec<u32> = Vec::new();
        let mut push = |f: Finding, pos: Pos, out: &mut Vec<Finding>| {
            if !lines.contains(&pos.line) {
                lines.push(pos.line);
                out.push(f);
            }
        };
        for hit in find_secrets(&file.source.text) {
            let pos = file.source.pos_at(hit.span.start);
            let f = file
                .source
                .finding(
                    &META,
                    pos,
                    format!("{} written into the script", hit.rule_name),
                )
                .with_key(&format!("{}:{}", pos.line, hit.rule_id))
                .with_fact(format!("{} `{}`", hit.rule_id, hit.masked));
            push(f, pos, &mut out);
        }
        for cmd in &script.commands {
            if let Some(w) = password_arg(cmd) {
                let pos = file.source.pos_at(w.start);
                let f = file
                    .source
                    .finding(
                        &META,
                        pos,
                        format!(
                            "`{}` gets a literal password on its command line",
                            cmd.effective_name().unwrap_or("?")
                        ),
                    )
                    .with_key(&format!("{}:pw", pos.line));
                push(
                    masking(f, w.value.rsplit([':', '=']).next().unwrap_or(&w.value)),
                    pos,
                    &mut out,
                );
            }
            for (w, name, value) in secret_assignments(cmd) {
                let pos = file.source.pos_at(w.start);
                let f = file
                    .source
                    .finding(&META, pos, format!("`{name}` is set to a literal secret"))
                    .with_key(&format!("{}:{name}", pos.line))
                    .with_fact(env_var_fact(&name));
                push(masking(f, &value), pos, &mut out);
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
    fn fires_on_tokens_passwords_and_assignments() {
        let s = "#!/bin/sh\nexport API_TOKEN=hunter2hunter2\ncurl -u admin:S3cret! https://x\ncurl -H \"Authorization: Bearer abcdefghijklmnopqrstu\" https://x\nDB_PASSWORD=pw123456 ./migrate\n";
        let f = run(&LiteralCreds, &[("entrypoint.sh", s)]);
        assert_eq!(lines(&f), [2, 3, 4, 5]);
        for x in &f {
            let s = x.evidence.snippet.as_deref().unwrap_or("");
            assert!(
                !s.contains("hunter2hunter2")
                    && !s.contains("S3cret!")
                    && !s.contains("abcdefghijklmnopqrstu"),
                "{s}"
            );
        }
    }

    #[test]
    fn silent_on_references() {
        let s = "#!/bin/sh\nexport API_TOKEN=\"$(cat /run/secrets/api_token)\"\ncurl -u \"admin:$PW\" https://x\ndocker login -u ci --password-stdin r < /run/secrets/pw\n";
        assert!(run(&LiteralCreds, &[("entrypoint.sh", s)]).is_empty());
    }
}
