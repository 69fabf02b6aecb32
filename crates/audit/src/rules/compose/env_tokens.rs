//! CMP-010: tokens in `environment`, `env_file` or `build.args`.

use crate::parse::compose::{environment, key_values, strings, EnvVar};
use crate::parse::DotEnvLine;
use crate::project::{normalise_rel, Artefact, AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{classify_secret, demote_test_key, env_var_fact, masking, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct EnvTokens;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("CMP-010"),
    name: "Token in a service's environment or build args",
    category: Category::DataExposure,
    severity: Severity::Critical,
    cwe: 798,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Literal values in `environment:` (map or list form), `build.args` and the `env_file:` files of the repository that either match tollgate's secret patterns (GitHub/GitLab/cloud tokens, JWTs, database URLs with passwords, …) or sit under a secret-looking name (`*_TOKEN`, `*_PAT`, `*PASSWORD*`, `SECRET_KEY`, …). `${VAR}` references are not reported.",
        why: "The token is committed to the repository and handed to the container's environment, where Django's DEBUG page, `/proc/1/environ`, `docker inspect`, crash reporters and child processes can all read it. A leaked environment is a leaked token.",
        evidence: "docker-compose.yml:12:9 `DEPLOY_GITHUB_PAT: ghp_…RM6r` in service `api` (GitHub token, checksum valid).",
        remediation: "Rotate the token. Use compose `secrets:` (mounted as files under /run/secrets) or inject `${VAR}` from the deployment environment, and keep `.env` files out of the repository.",
        remediation_django: Some("Read credentials from files in settings (`Path('/run/secrets/github_pat').read_text().strip()`), so they never enter `os.environ` and cannot appear on a DEBUG page."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/798.html",
            "https://docs.docker.com/compose/how-tos/use-secrets/",
        ],
    },
};

fn classify(var: &EnvVar) -> Option<(String, String)> {
    classify_secret(&var.key, var.value.as_deref()?)
}

fn finding(file: &AuditFile, var: &EnvVar, what: &str, masked: &str, context: &str) -> Finding {
    let f = file
        .source
        .finding(
            &META,
            var.pos,
            format!("`{}` {context} holds a secret ({what})", var.key),
        )
        .with_key(&format!("{context}:{}", var.key))
        .with_fact(env_var_fact(&var.key))
        .with_fact(format!("value `{masked}`"));
    let value = var.value.as_deref().unwrap_or("");
    demote_test_key(masking(f, value), value)
}

impl Rule for EnvTokens {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        if file.is_test_or_fixture() {
            return Vec::new();
        }
        if let Artefact::DotEnv(lines) = &file.artefact {
            return env_file_findings(file, lines, project);
        }
        let mut out = Vec::new();
        for svc in services(file) {
            let context = format!("in service `{}`", svc.name);
            for var in environment(svc.node) {
                if let Some((what, masked)) = classify(&var) {
                    out.push(finding(file, &var, &what, &masked, &context));
                }
            }
            let args = key_values(svc.node.get("build").and_then(|b| b.get("args")));
            for var in args {
                if let Some((what, masked)) = classify(&var) {
                    out.push(finding(
                        file,
                        &var,
                        &what,
                        &masked,
                        &format!("build arg of service `{}`", svc.name),
                    ));
                }
            }
        }
        out
    }
}

/// The services (`compose-file: service`) of the project whose `env_file` is `path`.
fn services_using(project: &Project, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in project.files.iter().filter(|f| f.compose().is_some()) {
        for svc in services(f) {
            let uses = strings(svc.node.get("env_file"))
                .iter()
                .any(|(p, _)| normalise_rel(&format!("{}/{p}", f.source.dir())) == path);
            if uses {
                out.push(format!("`{}` ({})", svc.name, f.source.path));
            }
        }
    }
    out
}

/// Secrets in an env file that compose services load: one finding per secret, at its
/// line, listing every service that receives it.
fn env_file_findings(file: &AuditFile, lines: &[DotEnvLine], project: &Project) -> Vec<Finding> {
    let users = services_using(project, &file.source.path);
    if users.is_empty() {
        return Vec::new();
    }
    let context = if users.len() == 1 {
        format!("in env_file of service {}", users[0])
    } else {
        format!("in env_file of {} services", users.len())
    };
    lines
        .iter()
        .filter_map(|l| {
            let var = EnvVar {
                key: l.key.clone(),
                value: Some(l.value.clone()),
                pos: file.source.pos_at(l.offset),
            };
            let (what, masked) = classify(&var)?;
            let mut f = finding(file, &var, &what, &masked, &context);
            if crate::project::is_dev_path(&file.source.path) {
                f = f.with_severity(Severity::Low).with_fact(
                    "a local-development env file: rotate it if the value is used anywhere else",
                );
            }
            for u in &users {
                f = f.with_fact(format!("received by service {u}"));
            }
            Some(f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_tokens_and_secret_names() {
        let c = "services:\n  a:\n    environment:\n      DEPLOY_GITHUB_PAT: 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\n      DB_PASSWORD: hunter2hunter2\n      LOG_LEVEL: info\n    build:\n      context: .\n      args:\n        - NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789\n    env_file: app.env\n";
        let f = run(
            &EnvTokens,
            &[
                ("docker-compose.yml", c),
                (
                    "app.env",
                    "STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\nMODE=prod\n",
                ),
            ],
        );
        assert_eq!(lines(&f), [1, 4, 5, 10]);
        for x in &f {
            let s = x.evidence.snippet.as_deref().unwrap_or("");
            assert!(
                !s.contains("FAKEpat0000")
                    && !s.contains("hunter2hunter2")
                    && !s.contains("4eC39HqLyjWD"),
                "{s}"
            );
        }
    }

    #[test]
    fn one_finding_per_env_file_secret_listing_every_service() {
        let c = "services:\n  a:\n    env_file: app.env\n  b:\n    env_file: [./app.env]\n";
        let f = run(
            &EnvTokens,
            &[
                ("docker-compose.yml", c),
                ("docker-compose.prod.yml", c),
                ("app.env", "DB_PASSWORD=hunter2hunter2\n"),
            ],
        );
        assert_eq!(lines(&f), [1]);
        let received = f[0]
            .evidence
            .facts
            .iter()
            .filter(|x| x.starts_with("received by service"))
            .count();
        assert_eq!(received, 4);
    }

    #[test]
    fn silent_in_test_fixtures() {
        let c = "services:\n  a:\n    environment:\n      DB_PASSWORD: hunter2hunter2\n";
        assert!(run(&EnvTokens, &[("tests/docker-compose.yml", c)]).is_empty());
    }

    #[test]
    fn silent_on_references() {
        let c = "services:\n  a:\n    environment:\n      - GITHUB_TOKEN=${GITHUB_TOKEN}\n      - API_KEY\n      - TOKEN_URL=https://auth/token\n";
        assert!(run(&EnvTokens, &[("docker-compose.yml", c)]).is_empty());
    }
}
