//! DKR-005: secret files copied into the image.

use crate::parse::dockerfile::Instruction;
use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::pos_of;
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct SecretFiles;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-005"),
    name: "Secret files copied into the image",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 538,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`COPY`/`ADD` of `.env` files, private keys (`*.pem`, `*.key`, `id_rsa`, `id_ed25519`), kubeconfigs, `.kube/`, `.docker/config.json`, `*credentials*.json`, `.netrc`, `.npmrc`, `.pypirc`, `.git-credentials`, `.aws/`, `.ssh/`; and `COPY . …` of a build context whose `.dockerignore` does not exclude `.env`.",
        why: "A file copied into a layer is in the image for good: `docker save` or `docker cp` gets it back from any registry or host that holds the image. A copied `.env` hands over every token the application uses.",
        evidence: "Dockerfile:8:1 `COPY . /app` — no .dockerignore next to the Dockerfile excludes `.env`.",
        remediation: "Copy only what the application needs (`COPY src/ /app/src/`), keep a `.dockerignore` that excludes `.env*`, `*.pem`, `.git`, `.kube`, and provide secrets at run time instead.",
        remediation_django: Some("Add `.env*`, `*.sqlite3`, `media/` and `.git` to `.dockerignore`, and read settings from the environment at run time (django-environ reads `.env` only where it exists, which should not be the image)."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/538.html",
            "https://docs.docker.com/build/concepts/context/#dockerignore-files",
        ],
    },
};

/// Whether a copied path names a secret file.
pub fn is_secret_file(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    let name = p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
    let exact = [
        ".env",
        "id_rsa",
        "id_ed25519",
        "id_ecdsa",
        "id_dsa",
        "kubeconfig",
        ".kube",
        ".netrc",
        ".npmrc",
        ".pypirc",
        ".git-credentials",
        ".ssh",
        ".aws",
        ".pgpass",
        "credentials",
    ];
    exact.contains(&name.as_str())
        || name.starts_with(".env.")
        || [".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"]
            .iter()
            .any(|e| name.ends_with(e))
        || (name.contains("credentials") && name.ends_with(".json"))
        || p.ends_with(".docker/config.json")
        || p.ends_with(".kube/config")
}

/// Sources of a `COPY`/`ADD` (everything but the destination), exec form included.
fn sources(ins: &Instruction) -> Vec<String> {
    let words: Vec<String> = ins
        .exec_form()
        .unwrap_or_else(|| ins.rest().split_whitespace().map(str::to_string).collect());
    let words: Vec<String> = words.into_iter().filter(|w| !w.starts_with("<<")).collect();
    match words.split_last() {
        Some((_, srcs)) => srcs.to_vec(),
        None => Vec::new(),
    }
}

fn excludes_env(patterns: &[String]) -> bool {
    patterns.iter().any(|p| {
        let p = p.trim_start_matches("**/").trim_start_matches('/');
        matches!(p, ".env" | ".env*" | "*.env" | ".env.*" | "*" | "**")
    })
}

impl Rule for SecretFiles {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for ins in df
            .instructions
            .iter()
            .filter(|i| i.keyword == "COPY" || i.keyword == "ADD")
        {
            let from_stage = ins.flags().iter().any(|f| f.name == "from");
            for src in sources(ins) {
                let pos = pos_of(file, ins);
                if is_secret_file(&src) {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                pos,
                                format!(
                                    "`{}` copies the secret file `{src}` into the image",
                                    ins.keyword
                                ),
                            )
                            .with_key(&src),
                    );
                } else if !from_stage && matches!(src.as_str(), "." | "./" | "*") {
                    let ignore = project.dockerignore(file.source.dir());
                    if !ignore.is_some_and(excludes_env) {
                        let why = if ignore.is_some() {
                            ".dockerignore does not exclude `.env`"
                        } else {
                            "there is no .dockerignore"
                        };
                        out.push(
                            file.source
                                .finding(
                                    &META,
                                    pos,
                                    format!(
                                        "`{} {src}` copies the whole build context and {why}",
                                        ins.keyword
                                    ),
                                )
                                .with_key(&src)
                                .with_fact(why),
                        );
                    }
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
    fn fires_on_secret_files_and_unguarded_context() {
        let df = "FROM x\nCOPY .env /app/.env\nCOPY [\"certs/server.key\", \"/etc/ssl/\"]\nCOPY . /app\n";
        assert_eq!(lines(&run(&SecretFiles, &[("Dockerfile", df)])), [2, 3, 4]);
        let ignore = ".git\nnode_modules\n";
        assert_eq!(
            lines(&run(
                &SecretFiles,
                &[
                    ("Dockerfile", "FROM x\nCOPY . .\n"),
                    (".dockerignore", ignore)
                ]
            )),
            [2]
        );
    }

    #[test]
    fn silent_for_code_and_guarded_context() {
        let files = [("app/Dockerfile", "FROM x\nCOPY . .\nCOPY --from=build /app/dist /srv\nCOPY requirements.txt src/ /app/\n"), ("app/.dockerignore", "**/.env\n.git\n")];
        assert!(run(&SecretFiles, &files).is_empty());
    }
}
