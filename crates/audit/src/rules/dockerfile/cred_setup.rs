//! DKR-004: credential setup in `RUN` without a BuildKit secret mount.

use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::run_scripts;
use crate::rules::shell::{credential_literals, credential_setup};
use crate::rules::{masking, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct CredSetup;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-004"),
    name: "Credentials set up in a RUN layer",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 522,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`RUN` commands that hand a credential to a tool without `--mount=type=secret`: `aws configure set aws_secret_access_key`, `gcloud auth activate-service-account`, `az login -p`, `doctl auth init -t`, `docker login -p`, npm `_authToken`, `curl`/`wget` with an `Authorization` (or token) header or a user and password, tokens in URLs (`git clone https://TOKEN@host/…`, `https://user:$TOKEN@…`), and `echo … > ~/.netrc`/`.npmrc`/`.pypirc`/`.docker/config.json`.",
        why: "The command line of every `RUN` is stored in the image history, and files it writes stay in the layer even if a later instruction deletes them. The credential ships with the image to every registry and every host that pulls it.",
        evidence: "Dockerfile:12:5 `RUN docker login -u ci -p $REGISTRY_PASSWORD registry.example` without a secret mount.",
        remediation: "Use BuildKit secrets and read the credential from the mounted file (`$(cat /run/secrets/token)`, `--key-file=/run/secrets/gcp.json`, `--password-stdin < /run/secrets/pw`) or from an `env=` secret mount; a secret mount on a `RUN` whose command still carries its own token does not help. Example: `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`, and pass `--secret id=npmrc,src=$HOME/.npmrc` to `docker build`. The secret is available to that one command and never written to a layer.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/522.html",
            "https://docs.docker.com/build/building/secrets/",
        ],
    },
};

impl Rule for CredSetup {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for rs in run_scripts(df) {
            let secrets = rs.secret_sources();
            for cmd in rs.script.commands.iter().filter(|c| !secrets.feed(c)) {
                let Some(hit) = credential_setup(cmd) else {
                    continue;
                };
                let pos = rs.pos(file, hit.at);
                let f = file
                    .source
                    .finding(
                        &META,
                        pos,
                        format!("RUN without a secret mount: {}", hit.what),
                    )
                    .with_key(&format!("{}:{}", rs.index, hit.at))
                    .with_fact(hit.what);
                out.push(mask_literals(f, &credential_literals(cmd)));
            }
        }
        out
    }
}

/// Masks every literal credential of the command in the evidence.
fn mask_literals(f: Finding, literals: &[String]) -> Finding {
    literals.iter().fold(f, |f, v| masking(f, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_logins_and_credential_files() {
        let df = "FROM x\nRUN apt-get update && \\\n    docker login -u ci -p \"$PW\" reg && \\\n    echo \"//r/:_authToken=$T\" > /root/.npmrc\nRUN aws configure set aws_secret_access_key $K\n";
        assert_eq!(lines(&run(&CredSetup, &[("Dockerfile", df)])), [3, 4, 5]);
    }

    #[test]
    fn silent_with_secret_mounts() {
        let df = "FROM x\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\nRUN --mount=type=secret,id=pw docker login -u ci --password-stdin reg < /run/secrets/pw\n";
        assert!(run(&CredSetup, &[("Dockerfile", df)]).is_empty());
    }

    #[test]
    fn fires_on_auth_headers_cloud_logins_and_url_tokens() {
        let df = "FROM x\n\
RUN curl -fsSL -H \"Authorization: Bearer $TOKEN\" https://api.example/x -o /x\n\
RUN wget --header=\"Authorization: token ghp_abcdefabcdefabcdefabcdefabcdef123456\" https://h/f\n\
RUN docker login --password=hunter2secret -u ci reg\n\
RUN gcloud auth activate-service-account --key-file=/build/key.json\n\
RUN az login -u ci -p s3cretPassw0rd\n\
RUN doctl auth init -t dop_v1_literal_token_value\n\
RUN git clone https://x-access-token:$GH_TOKEN@github.com/o/r.git\n\
RUN pip install git+https://ci:plainpassword99@git.example/o/r.git\n";
        let f = run(&CredSetup, &[("Dockerfile", df)]);
        assert_eq!(lines(&f), [2, 3, 4, 5, 6, 7, 8, 9]);
        let shown: String = f
            .iter()
            .filter_map(|x| x.evidence.snippet.clone())
            .collect();
        for secret in [
            "ghp_abcdefabcdefabcdefabcdefabcdef123456",
            "hunter2secret",
            "s3cretPassw0rd",
            "dop_v1_literal_token_value",
            "plainpassword99",
        ] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        // User names are not secrets and stay readable.
        assert!(shown.contains("-u ci"), "{shown}");
    }

    #[test]
    fn a_secret_mount_helps_only_when_the_credential_comes_from_it() {
        let df = "FROM x\n\
RUN --mount=type=secret,id=tok curl -H \"Authorization: Bearer $(cat /run/secrets/tok)\" https://h/\n\
RUN --mount=type=secret,id=gcp,target=/k.json gcloud auth activate-service-account --key-file=/k.json\n\
RUN --mount=type=secret,id=gh,env=GH_TOKEN git clone https://x:$GH_TOKEN@github.com/o/r.git\n\
RUN --mount=type=secret,id=tok curl -H \"Authorization: Bearer $TOKEN\" https://h/\n";
        assert_eq!(lines(&run(&CredSetup, &[("Dockerfile", df)])), [5]);
    }

    #[test]
    fn silent_on_downloads_without_credentials() {
        let df = "FROM x\nRUN curl -fsSL -H \"Accept: application/json\" https://h/x -o /x\nRUN wget -q https://h/f\nRUN curl -H \"Authorization:\" https://h/f\nRUN git clone https://github.com/o/r.git && git clone git@github.com:o/r.git\nRUN docker login --password-stdin -u ci reg < /dev/null\n";
        assert!(run(&CredSetup, &[("Dockerfile", df)]).is_empty());
    }
}
