//! CMP-010: tokens in `environment`, `env_file` or `build.args`.

use crate::parse::compose::{environment, key_values, strings, EnvVar};
use crate::project::{normalise_rel, Artefact, AuditFile, Project};
use crate::rules::compose::services;
use crate::rules::{classify_secret, env_var_fact, masking, Rule, OWASP_API8};
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
    masking(f, var.value.as_deref().unwrap_or(""))
}

impl Rule for EnvTokens {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
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
            for (path, _) in strings(svc.node.get("env_file")) {
                out.extend(env_file_findings(file, project, &path, &svc.name));
            }
        }
        out
    }
}

/// Secrets in an `env_file` that is part of the repository (reported at its lines).
fn env_file_findings(
    file: &AuditFile,
    project: &Project,
    path: &str,
    service: &str,
) -> Vec<Finding> {
    let full = normalise_rel(&format!("{}/{path}", file.source.dir()));
    let Some(env_file) = project.file(&full) else {
        return Vec::new();
    };
    let Artefact::DotEnv(lines) = &env_file.artefact else {
        return Vec::new();
    };
    let context = format!("in env_file of service `{service}`");
    lines
        .iter()
        .filter_map(|l| {
            let var = EnvVar {
                key: l.key.clone(),
                value: Some(l.value.clone()),
                pos: env_file.source.pos_at(l.offset),
            };
            classify(&var).map(|(what, masked)| finding(env_file, &var, &what, &masked, &context))
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
    fn silent_on_references() {
        let c = "services:\n  a:\n    environment:\n      - GITHUB_TOKEN=${GITHUB_TOKEN}\n      - API_KEY\n      - TOKEN_URL=https://auth/token\n";
        assert!(run(&EnvTokens, &[("docker-compose.yml", c)]).is_empty());
    }
}
