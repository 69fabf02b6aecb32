//! DKR-002: secret-named `ENV`/`ARG` (a token baked into a layer or `docker history`).

use crate::names::{is_literal_secret_value, is_secret_name};
use crate::parse::dockerfile::KeyValue;
use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::pos_in;
use crate::rules::{env_var_fact, masking, Rule, OWASP_API8};
use crate::secrets::{find_secrets, masker};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct SecretEnv;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-002"),
    name: "Secret in a build argument or image environment variable",
    category: Category::DataExposure,
    severity: Severity::Critical,
    cwe: 798,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`ENV` and `ARG` instructions whose name says they hold a secret (`*_TOKEN`, `*_API_KEY`, `SECRET_KEY`, `DJANGO_SECRET_KEY`, `*PASSWORD*`, `*_PAT`, `AUTH*`, `BEARER*`, …). A literal value is critical; a secret-named `ARG` without a value is high, because the value given with `--build-arg` is recorded in the image history. Values in a known token format are reported by DKR-003 instead.",
        why: "Everything in `ENV` is in the image config and in every container's environment, where a Django DEBUG page, `/proc/<pid>/environ`, a crash report or `docker inspect` shows it. Build arguments land in `docker history`. Anyone who can pull the image has the token.",
        evidence: "Dockerfile:7:5 `ENV DJANGO_SECRET_KEY=dj…` — variable `DJANGO_SECRET_KEY` has a literal value.",
        remediation: "Do not bake secrets into images. Pass them at run time from a secret store (Kubernetes Secrets mounted as files, Docker/compose `secrets:`), and for build-time credentials use BuildKit secret mounts: `RUN --mount=type=secret,id=npm_token …`.",
        remediation_django: Some("Read `SECRET_KEY` from a file or the environment at run time (`SECRET_KEY = Path(os.environ['SECRET_KEY_FILE']).read_text()`), never from an `ENV` in the Dockerfile."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/798.html",
            "https://docs.docker.com/build/building/secrets/",
            "https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/",
        ],
    },
};

impl Rule for SecretEnv {
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
            .filter(|i| i.keyword == "ENV" || i.keyword == "ARG")
        {
            for kv in ins
                .key_values()
                .into_iter()
                .filter(|kv| is_secret_name(&kv.key))
            {
                if let Some(f) = finding(file, ins, &kv) {
                    out.push(f);
                }
            }
        }
        out
    }
}

fn finding(
    file: &AuditFile,
    ins: &crate::parse::dockerfile::Instruction,
    kv: &KeyValue,
) -> Option<Finding> {
    let pos = pos_in(file, ins, kv.at);
    let key = &kv.key;
    match kv.value.as_deref() {
        Some(v) if is_literal_secret_value(v) => {
            if !find_secrets(&format!("{key}={v}")).is_empty() {
                return None;
            }
            let f = file
                .source
                .finding(
                    &META,
                    pos,
                    format!("`{} {key}` has a literal secret value", ins.keyword),
                )
                .with_key(key)
                .with_fact(env_var_fact(key))
                .with_fact(format!("value `{}`", masker().value(v)));
            Some(masking(f, v))
        }
        None if ins.keyword == "ARG" => Some(
            file.source
                .finding(
                    &META,
                    pos,
                    format!("Build argument `{key}` carries a secret into the image history"),
                )
                .with_severity(Severity::High)
                .with_key(key)
                .with_fact(env_var_fact(key)),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_literal_values_and_bare_args() {
        let f = run(&SecretEnv, &[("Dockerfile", "FROM x\nARG NPM_TOKEN\nENV DJANGO_SECRET_KEY=hunter2-is-not-a-key \\\n    APP_NAME=shop\n")]);
        assert_eq!(lines(&f), [2, 3]);
        let lit = f
            .iter()
            .find(|x| x.severity == Severity::Critical)
            .expect("critical");
        assert!(
            !lit.evidence
                .snippet
                .as_deref()
                .unwrap_or("")
                .contains("hunter2-is"),
            "{:?}",
            lit.evidence.snippet
        );
        assert!(lit
            .evidence
            .facts
            .contains(&"env var `DJANGO_SECRET_KEY`".to_string()));
    }

    #[test]
    fn silent_on_references_and_plain_names() {
        let df = "FROM x\nARG APP_VERSION=1\nENV API_TOKEN_FILE=/run/secrets/t SECRET_KEY=${SECRET_KEY}\nENV PASSWORD=\"\"\n";
        assert!(run(&SecretEnv, &[("Dockerfile", df)]).is_empty());
    }
}
