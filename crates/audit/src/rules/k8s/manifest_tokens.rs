//! K8S-010: tokens in manifests, and secrets exposed as environment variables
//! (merges checklist K10 and K11).

use crate::parse::yaml::Node;
use crate::project::{AuditFile, Project};
use crate::rules::k8s::containers;
use crate::rules::{classify_secret, env_var_fact, masking, Rule, OWASP_API8};
use base64::Engine;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct ManifestTokens;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("K8S-010"),
    name: "Token in a manifest or secret exposed as an environment variable",
    category: Category::DataExposure,
    severity: Severity::Critical,
    cwe: 798,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Critical: literal `env[].value`s that match tollgate's secret patterns or sit under a secret-looking name; ConfigMap `data` holding such values; a committed `kind: Secret` with real `data`/`stringData`. Low: secrets injected as environment variables (`env[].valueFrom.secretKeyRef`, `envFrom[].secretRef`).",
        why: "A token in a manifest is in the repository and readable by anyone who can read the namespace's ConfigMaps or Deployments. Secrets in environment variables are readable through `/proc/<pid>/environ`, Django's DEBUG page, crash reports and every child process; files are not.",
        evidence: "k8s/deployment.yaml:40:20 `value: ghp_…RM6r` for env var `DEPLOY_GITHUB_PAT` (GitHub token, checksum valid).",
        remediation: "Rotate any committed token. Keep secrets out of git (External Secrets, Sealed Secrets, a vault CSI driver), and mount them as files (`volumes[].secret`) rather than environment variables.",
        remediation_django: Some("Mount the secret as a file and read it in settings (`Path('/var/run/secrets/app/github_pat').read_text()`): a value that never enters `os.environ` cannot appear on a DEBUG page."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/798.html",
            "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
        ],
    },
};

fn env_findings(file: &AuditFile, label: &str, key_base: &str, env: &Node) -> Vec<Finding> {
    let mut out = Vec::new();
    for item in env.items() {
        let name = item
            .get("name")
            .and_then(Node::scalar_text)
            .unwrap_or_default();
        if let Some(v) = item.get("value") {
            let value = v.scalar_text().unwrap_or_default();
            if let Some((what, masked)) = classify_secret(&name, &value) {
                let f = file
                    .source
                    .finding(
                        &META,
                        v.pos,
                        format!("Env var `{name}` of {label} holds a secret ({what})"),
                    )
                    .with_key(&format!("{key_base}:{name}"))
                    .with_fact(env_var_fact(&name))
                    .with_fact(format!("value `{masked}`"));
                out.push(masking(f, &value));
            }
        }
        if let Some((k, _)) = item
            .get("valueFrom")
            .and_then(|vf| vf.entry("secretKeyRef"))
        {
            let f = file
                .source
                .finding(&META, k.pos, format!("Env var `{name}` of {label} is filled from a Secret (readable in the process environment)"))
                .with_severity(Severity::Low)
                .with_key(&format!("{key_base}:ref:{name}"))
                .with_fact(env_var_fact(&name));
            out.push(f);
        }
    }
    out
}

fn workload_findings(file: &AuditFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in containers(file) {
        if let Some(env) = c.node.get("env") {
            out.extend(env_findings(file, &c.label(), &c.key("env"), env));
        }
        for item in c.node.get("envFrom").map(Node::items).unwrap_or(&[]) {
            if let Some((k, _)) = item.entry("secretRef") {
                let f = file
                    .source
                    .finding(
                        &META,
                        k.pos,
                        format!("{} loads a whole Secret into its environment", c.label()),
                    )
                    .with_severity(Severity::Low)
                    .with_key(&c.key("envFrom"));
                out.push(f);
            }
        }
    }
    out
}

fn decoded(value: &Node, base64_encoded: bool) -> String {
    let raw = value.scalar_text().unwrap_or_default();
    if !base64_encoded {
        return raw;
    }
    base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or(raw)
}

fn config_findings(file: &AuditFile, o: &crate::parse::k8s::Object) -> Vec<Finding> {
    let mut out = Vec::new();
    let fields: &[(&str, bool)] = match o.kind.as_str() {
        "ConfigMap" => &[("data", false)],
        "Secret" => &[("data", true), ("stringData", false)],
        _ => return out,
    };
    for (field, encoded) in fields {
        for (k, v) in o.node.get(field).map(Node::pairs).unwrap_or(&[]) {
            let key = k.scalar_text().unwrap_or_default();
            let value = decoded(v, *encoded);
            let title = match o.kind.as_str() {
                "Secret" if crate::names::is_literal_secret_value(&value) => format!(
                    "Secret `{}` is committed with a real value for `{key}`",
                    o.name
                ),
                "ConfigMap" => match classify_secret(&key, &value) {
                    Some((what, _)) => {
                        format!("ConfigMap `{}` key `{key}` holds a secret ({what})", o.name)
                    }
                    None => continue,
                },
                _ => continue,
            };
            let f = file
                .source
                .finding(&META, k.pos, title)
                .with_key(&format!("{}/{}:{key}", o.kind, o.name))
                .with_fact(env_var_fact(&key));
            out.push(masking(
                masking(f, &value),
                &v.scalar_text().unwrap_or_default(),
            ));
        }
    }
    out
}

impl Rule for ManifestTokens {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        if file.is_test_or_fixture() {
            return Vec::new();
        }
        let mut out = workload_findings(file);
        for o in file.kubernetes().unwrap_or(&[]) {
            out.extend(config_findings(file, o));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_literals_configmaps_secrets_and_refs() {
        let m = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      env:\n        - name: DEPLOY_GITHUB_PAT\n          value: 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\n        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef: {name: db, key: pw}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  API_TOKEN: \"abcd1234efgh5678\"\n  LOG_LEVEL: info\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: aHVudGVyMmh1bnRlcjI=\n";
        let f = run(&ManifestTokens, &[("m.yaml", m)]);
        assert_eq!(lines(&f), [9, 12, 18, 25]);
        assert!(f.iter().all(|x| !x
            .evidence
            .snippet
            .as_deref()
            .unwrap_or("")
            .contains("aHVudGVyMmh1bnRlcjI")));
    }

    #[test]
    fn silent_for_file_mounts_and_plain_config() {
        let m = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      env:\n        - {name: LOG_LEVEL, value: info}\n        - {name: TOKEN_FILE, value: /var/run/secrets/app/token}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: \"\"\n";
        assert!(run(&ManifestTokens, &[("m.yaml", m)]).is_empty());
    }
}
