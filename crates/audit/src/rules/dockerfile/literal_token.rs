//! DKR-003: literal token values anywhere in a Dockerfile's instructions.

use crate::project::{AuditFile, Project};
use crate::rules::{env_var_fact, Rule, OWASP_API8};
use crate::secrets::find_secrets;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct LiteralToken;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-003"),
    name: "Token in a known format written into a Dockerfile",
    category: Category::DataExposure,
    severity: Severity::Critical,
    cwe: 798,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Values in `ENV`, `ARG`, `RUN`, `LABEL` and heredoc bodies that match tollgate's secret patterns (the same library the scanner runs over responses): GitHub, GitLab, npm, PyPI, Docker Hub, Slack, Stripe, OpenAI and cloud keys, JWTs, `Authorization: Bearer` headers, private keys, database URLs with passwords, Django's `django-insecure-` keys.",
        why: "A token in a Dockerfile is in the repository's history, in every image layer built from it and in every registry that stores the image. Whoever reads any of them can use it, and it cannot be withdrawn without rotating it.",
        evidence: "Dockerfile:9:23 `ENV DEPLOY_GITHUB_PAT=ghp_…RM6r` (GitHub token, checksum valid).",
        remediation: "Revoke and rotate the token now, then remove it from the Dockerfile and the git history. Provide it at run time from a secret store, or at build time through `RUN --mount=type=secret`.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/798.html",
            "https://docs.docker.com/build/building/secrets/",
        ],
    },
};

impl Rule for LiteralToken {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile().filter(|_| !file.is_test_or_fixture()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for ins in &df.instructions {
            let scanned = matches!(ins.keyword.as_str(), "ENV" | "ARG" | "RUN" | "LABEL");
            let mut texts = Vec::new();
            if scanned {
                texts.push(&ins.args);
            }
            texts.extend(ins.heredocs.iter().map(|h| &h.body));
            for text in texts {
                for hit in find_secrets(&text.text) {
                    let pos = file.source.pos_at(text.file_offset(hit.span.start));
                    let mut f = file
                        .source
                        .finding(
                            &META,
                            pos,
                            format!("{} in `{}` instruction", hit.rule_name, ins.keyword),
                        )
                        .with_key(&format!("{}:{}", hit.rule_id, pos.column))
                        .with_fact(format!(
                            "{} `{}`{}",
                            hit.rule_id,
                            hit.masked,
                            if hit.verified {
                                " (format verified)"
                            } else {
                                ""
                            }
                        ));
                    if ins.keyword == "ENV" || ins.keyword == "ARG" {
                        if let Some(kv) = ins
                            .key_values()
                            .into_iter()
                            .rev()
                            .find(|kv| kv.at <= hit.span.start)
                        {
                            f = f.with_fact(env_var_fact(&kv.key));
                        }
                    }
                    out.push(f);
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
    fn fires_on_tokens_in_env_run_and_heredocs() {
        let df = "FROM x\nENV DEPLOY_GITHUB_PAT=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\nRUN curl -H \"Authorization: Bearer abcdefghijklmnop1234\" \\\n  https://api\nRUN <<EOF\necho sk_live_4eC39HqLyjWDarjtT1zdp7dc > /x\nEOF\n";
        let f = run(&LiteralToken, &[("Dockerfile", df)]);
        assert_eq!(lines(&f), [2, 3, 6]);
        assert!(f.iter().all(|x| !x
            .evidence
            .snippet
            .as_deref()
            .unwrap_or("")
            .contains("FAKEpat0000")));
        assert!(f[0]
            .evidence
            .facts
            .contains(&"env var `DEPLOY_GITHUB_PAT`".to_string()));
    }

    #[test]
    fn silent_without_tokens() {
        let df = "FROM x\nENV GITHUB_TOKEN_FILE=/run/secrets/gh\nRUN --mount=type=secret,id=gh curl -H \"Authorization: Bearer $(cat /run/secrets/gh)\" https://api\n";
        assert!(run(&LiteralToken, &[("Dockerfile", df)]).is_empty());
    }
}
