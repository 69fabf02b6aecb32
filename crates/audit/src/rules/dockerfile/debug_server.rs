//! DKR-010: debug mode or a development server baked into the image.

use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::{installed_packages, pos_in, pos_of, run_scripts};
use crate::rules::{env_var_fact, is_debug_var, is_truthy_flag, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct DebugServer;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DKR-010"),
    name: "Debug mode or development server in the image",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 489,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`ENV DEBUG`/`DJANGO_DEBUG`/`FLASK_DEBUG` set to `1`, `true` or `yes` (high); `CMD`/`ENTRYPOINT` running `manage.py runserver`, `flask run --debug` or a `--reload` server (medium); `EXPOSE 22` or an installed `openssh-server` (medium).",
        why: "Django's DEBUG page prints settings and, under runserver, the whole process environment: every token in an env var is one malformed request away. Development servers are single-threaded, unhardened and reload code from disk; an SSH daemon is a second way in.",
        evidence: "Dockerfile:9:5 `ENV DJANGO_DEBUG=True` — debug mode is on in every container started from the image.",
        remediation: "Ship production settings: `DEBUG` off by default and only enabled explicitly in development, a production WSGI/ASGI server (gunicorn, uvicorn without `--reload`), no SSH daemon (use `docker exec`/`kubectl exec` for debugging).",
        remediation_django: Some("Set `DEBUG = env.bool('DJANGO_DEBUG', default=False)` in settings, never `ENV DJANGO_DEBUG=True` in the image, and start with `gunicorn project.wsgi` instead of `manage.py runserver`."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/489.html",
            "https://docs.djangoproject.com/en/5.2/ref/settings/#debug",
            "https://docs.djangoproject.com/en/5.2/ref/django-admin/#runserver",
        ],
    },
};

/// Whether a command line starts a development server.
pub fn dev_server(command: &str) -> Option<&'static str> {
    let c = command.to_ascii_lowercase();
    if c.contains("runserver") && (c.contains("manage.py") || c.contains("django-admin")) {
        Some("Django's development server (runserver)")
    } else if c.contains("flask") && c.contains(" run") && c.contains("--debug") {
        Some("Flask's debug server")
    } else if (c.contains("gunicorn") || c.contains("uvicorn") || c.contains("hypercorn"))
        && c.contains("--reload")
    {
        Some("an auto-reloading server (--reload)")
    } else {
        None
    }
}

impl Rule for DebugServer {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(df) = file.dockerfile() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for ins in &df.instructions {
            match ins.keyword.as_str() {
                "ENV" => {
                    for kv in ins.key_values() {
                        let on = is_debug_var(&kv.key)
                            && kv.value.as_deref().is_some_and(is_truthy_flag);
                        if on {
                            let title = format!(
                                "`{}={}` turns debug mode on in the image",
                                kv.key,
                                kv.value.as_deref().unwrap_or("")
                            );
                            out.push(
                                file.source
                                    .finding(&META, pos_in(file, ins, kv.at), title)
                                    .with_key(&kv.key)
                                    .with_fact(env_var_fact(&kv.key)),
                            );
                        }
                    }
                }
                "CMD" | "ENTRYPOINT" => {
                    if let Some(what) = dev_server(&ins.command_text()) {
                        let title = format!("`{}` starts {what}", ins.keyword);
                        out.push(
                            file.source
                                .finding(&META, pos_of(file, ins), title)
                                .with_severity(Severity::Medium)
                                .with_key(&ins.keyword),
                        );
                    }
                }
                "EXPOSE"
                    if ins
                        .rest()
                        .split_whitespace()
                        .any(|p| p.split('/').next() == Some("22")) =>
                {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                pos_of(file, ins),
                                "`EXPOSE 22`: an SSH port in an application image",
                            )
                            .with_severity(Severity::Medium)
                            .with_key("22"),
                    );
                }
                _ => {}
            }
        }
        for rs in run_scripts(df) {
            for cmd in &rs.script.commands {
                let ssh = cmd
                    .effective()
                    .iter()
                    .skip(1)
                    .find(|w| w.value == "openssh-server" || w.value == "openssh");
                if let Some(w) = ssh.filter(|_| {
                    installed_packages(cmd.effective())
                        .iter()
                        .any(|p| p.starts_with("openssh"))
                }) {
                    out.push(
                        file.source
                            .finding(
                                &META,
                                rs.pos(file, w.start),
                                "RUN installs an SSH server in the image",
                            )
                            .with_severity(Severity::Medium)
                            .with_key("sshd"),
                    );
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
    fn fires_on_debug_env_dev_server_and_ssh() {
        let df = "FROM x\nENV DJANGO_DEBUG=True PORT=8000\nEXPOSE 8000 22/tcp\nCMD [\"python\", \"manage.py\", \"runserver\", \"0.0.0.0:8000\"]\n";
        assert_eq!(lines(&run(&DebugServer, &[("Dockerfile", df)])), [2, 3, 4]);
    }

    #[test]
    fn silent_for_production_images() {
        let df = "FROM x\nENV DJANGO_DEBUG=False\nEXPOSE 8000\nCMD [\"gunicorn\", \"shop.wsgi\", \"--bind\", \"0.0.0.0:8000\"]\n";
        assert!(run(&DebugServer, &[("Dockerfile", df)]).is_empty());
    }
}
