//! DKR-009: the image is built to drive the container runtime (socket volume, Docker
//! CLI with `DOCKER_HOST`, a plain-TCP Docker API endpoint).

use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::{installed_packages, pos_in, pos_of, run_scripts};
use crate::rules::{env_var_fact, runtime_socket, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct DockerSocket;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-009"),
    name: "Image declares or drives the container runtime socket",
    category: Category::ContainerHostExposure,
    severity: Severity::High,
    cwe: 668,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`VOLUME` on a runtime socket or its directory (`docker.sock`, `containerd.sock`, `crio.sock`, `podman.sock`, `/var/run`), `ENV DOCKER_HOST` in an image that installs a Docker or Podman CLI, and `DOCKER_HOST=tcp://…:2375` (the Docker API without TLS).",
        why: "An application image that expects the runtime socket is designed to control the host's container runtime: whoever gets code execution or a token into the API can start a privileged container with the host's root filesystem mounted. That is a full host takeover.",
        evidence: "Dockerfile:11:5 `ENV DOCKER_HOST=tcp://docker:2375` in an image that runs `apt-get install docker-ce-cli`.",
        remediation: "Do not give application containers access to the runtime. Move image builds to a rootless builder (BuildKit rootless, kaniko) or a dedicated CI runner; if the Docker API is unavoidable, put an authorising proxy with a strict allow-list in front of it and use TLS client certificates.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/668.html",
            "https://docs.docker.com/engine/security/protect-access/",
        ],
    },
};

const CLI_PACKAGES: &[&str] = &[
    "docker",
    "docker.io",
    "docker-ce",
    "docker-ce-cli",
    "docker-cli",
    "podman",
    "podman-remote",
    "nerdctl",
];

impl Rule for DockerSocket {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for ins in df.instructions.iter().filter(|i| i.keyword == "VOLUME") {
            let paths = ins
                .exec_form()
                .unwrap_or_else(|| ins.rest().split_whitespace().map(str::to_string).collect());
            if let Some((p, rt)) = paths
                .iter()
                .find_map(|p| runtime_socket(p).map(|rt| (p, rt)))
            {
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos_of(file, ins),
                            format!("`VOLUME {p}` expects the {rt} socket to be mounted"),
                        )
                        .with_key(p),
                );
            }
        }
        let cli = run_scripts(df).iter().any(|rs| {
            rs.script.commands.iter().any(|c| {
                installed_packages(c.effective())
                    .iter()
                    .any(|p| CLI_PACKAGES.contains(p))
            })
        }) || df.instructions.iter().any(|i| {
            (i.keyword == "COPY"
                && i.flags()
                    .iter()
                    .any(|f| f.name == "from" && f.value.starts_with("docker")))
                || (i.keyword == "RUN"
                    && ["download.docker.com", "get.docker.com", "get-docker.sh"]
                        .iter()
                        .any(|u| i.args.text.contains(u)))
        });
        for ins in df.instructions.iter().filter(|i| i.keyword == "ENV") {
            for kv in ins
                .key_values()
                .into_iter()
                .filter(|kv| kv.key == "DOCKER_HOST")
            {
                let value = kv.value.clone().unwrap_or_default();
                let plain_tcp = value.starts_with("tcp://") && value.ends_with(":2375");
                if !(cli || plain_tcp) {
                    continue;
                }
                let title = if plain_tcp {
                    format!("`DOCKER_HOST={value}` points at the Docker API without TLS")
                } else {
                    format!("`DOCKER_HOST={value}` in an image that installs a container CLI")
                };
                out.push(
                    file.source
                        .finding(&META, pos_in(file, ins, kv.at), title)
                        .with_key("DOCKER_HOST")
                        .with_fact(env_var_fact("DOCKER_HOST")),
                );
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
    fn fires_on_socket_volumes_and_docker_host() {
        let df = "FROM x\nRUN apt-get install -y docker-ce-cli\nVOLUME [\"/run/containerd/containerd.sock\"]\nENV DOCKER_HOST=unix:///var/run/docker.sock\n";
        assert_eq!(lines(&run(&DockerSocket, &[("Dockerfile", df)])), [3, 4]);
        assert_eq!(
            lines(&run(
                &DockerSocket,
                &[("Dockerfile", "FROM x\nENV DOCKER_HOST=tcp://docker:2375\n")]
            )),
            [2]
        );
    }

    #[test]
    fn fires_on_a_downloaded_cli_with_a_unix_docker_host() {
        let df = "FROM x\nRUN curl -fsSL https://download.docker.com/linux/static/stable/x86_64/docker-27.3.1.tgz | tar xz -C /usr/local/bin --strip-components=1 docker/docker\nENV DOCKER_HOST unix:///var/run/docker.sock\n";
        assert_eq!(lines(&run(&DockerSocket, &[("Dockerfile", df)])), [3]);
    }

    #[test]
    fn silent_without_runtime_access() {
        let df = "FROM x\nVOLUME /data\nENV DOCKER_HOST=tcp://docker:2376\n";
        assert!(run(&DockerSocket, &[("Dockerfile", df)]).is_empty());
    }
}
