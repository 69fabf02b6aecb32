//! SH-007: development server, debug mode, or an access log with the Authorization
//! header, started by a script.

use crate::parse::shell::Command;
use crate::project::{AuditFile, Project};
use crate::rules::dockerfile::debug_server::dev_server;
use crate::rules::{env_var_fact, is_debug_var, is_truthy_flag, Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct DevServer;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("SH-007"),
    name: "Development server or debug mode in a start-up script",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 489,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`manage.py runserver` / `django-admin runserver`, `flask run --debug`, `gunicorn`/`uvicorn --reload`, `export DEBUG=1`/`DJANGO_DEBUG=True` (or as a command prefix), and gunicorn `--access-logformat` that logs the `Authorization` header (`%({authorization}i)s`).",
        why: "Django's development server with DEBUG shows the process environment, tokens included, on every error page; reloaders watch and re-import code from disk. An access log with the Authorization header writes every caller's bearer token to the logs.",
        evidence: "docker/entrypoint.sh:14:6 `python manage.py runserver 0.0.0.0:8000`.",
        remediation: "Start a production server (`exec gunicorn project.wsgi`), keep DEBUG off by default, and never log request headers that carry credentials.",
        remediation_django: Some("Use `exec gunicorn project.wsgi --bind 0.0.0.0:8000` with `DEBUG = False`; for access logs keep gunicorn's default format, which has no Authorization header."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/489.html",
            "https://docs.djangoproject.com/en/5.2/ref/django-admin/#runserver",
            "https://docs.gunicorn.org/en/stable/settings.html#access-log-format",
        ],
    },
};

fn problems(cmd: &Command) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let exported = if cmd.name() == Some("export") {
        &cmd.words[1..]
    } else {
        &[][..]
    };
    for w in cmd.assignments.iter().chain(exported.iter()) {
        if let Some((name, value)) = w.value.split_once('=') {
            if is_debug_var(name) && is_truthy_flag(value) {
                out.push((w.start, format!("`{name}={value}` turns debug mode on")));
            }
        }
    }
    let words = cmd.effective();
    let Some(first) = words.first() else {
        return out;
    };
    let line: Vec<&str> = words.iter().map(|w| w.value.as_str()).collect();
    if let Some(what) = dev_server(&line.join(" ")) {
        out.push((first.start, format!("starts {what}")));
    }
    let log_format = words
        .windows(2)
        .find(|w| w[0].value == "--access-logformat")
        .map(|w| &w[1]);
    if let Some(fmt) =
        log_format.filter(|f| f.value.to_ascii_lowercase().contains("{authorization}i"))
    {
        out.push((
            fmt.start,
            "gunicorn's access log format writes the Authorization header".into(),
        ));
    }
    out
}

impl Rule for DevServer {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(script) = file
            .shell()
            .filter(|_| !crate::project::is_build_or_ci_script(&file.source.path))
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for cmd in &script.commands {
            for (at, what) in problems(cmd) {
                let pos = file.source.pos_at(at);
                let mut f = file
                    .source
                    .finding(&META, pos, what.clone())
                    .with_key(&format!("{}:{}", pos.line, pos.column));
                if let Some(name) = what.strip_prefix('`').and_then(|w| w.split('=').next()) {
                    f = f.with_fact(env_var_fact(name));
                }
                out.push(f);
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
    fn fires_on_dev_servers_and_debug() {
        let s = "#!/bin/sh\nexport DJANGO_DEBUG=True\nexec python manage.py runserver 0.0.0.0:8000\ngunicorn app --access-logformat '%(h)s %({Authorization}i)s'\n";
        assert_eq!(lines(&run(&DevServer, &[("entrypoint.sh", s)])), [2, 3, 4]);
    }

    #[test]
    fn silent_for_production_start() {
        let s = "#!/bin/sh\nexport DJANGO_DEBUG=False\nexec gunicorn shop.wsgi --access-logformat '%(h)s %(r)s %(s)s'\n";
        assert!(run(&DevServer, &[("entrypoint.sh", s)]).is_empty());
    }
}
