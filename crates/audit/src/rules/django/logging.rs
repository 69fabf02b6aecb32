//! DJ-008: logging configuration that writes tokens (SQL at DEBUG, HTML error mails,
//! formats with request headers, gunicorn access logs with Authorization).

use crate::parse::python::{Assign, Expr, Module};
use crate::project::{AuditFile, Project};
use crate::rules::django::{eval, leaf_settings, pos_after, setting};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Logging;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("DJ-008"),
    name: "Logging configuration writes tokens",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 532,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "In a deployment settings module's `LOGGING` dict: the `django.db.backends` logger at `DEBUG` (every SQL statement with its parameters), an `AdminEmailHandler` with `include_html: True` (the full DEBUG page by e-mail), formatters whose format mentions request headers, `META`, `HTTP_AUTHORIZATION` or cookies. In any Python module (a gunicorn config): an `access_log_format` containing `{authorization}i`.",
        why: "Tokens, API keys and password-reset tokens pass through SQL parameters and request headers; logs are kept longer, copied further and read by more people and systems than the database or the request itself.",
        evidence: "shop/settings.py:88:9 logger `django.db.backends` at level `DEBUG`.",
        remediation: "Log SQL only in development, keep `include_html` off, never format request headers into log lines, and keep gunicorn's default access log format.",
        remediation_django: Some("In production `LOGGING`, set `django.db.backends` to `INFO` or higher, use `AdminEmailHandler` without `include_html`, and add a filter that drops `Authorization`/`Cookie` if headers must be logged."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/532.html",
            "https://docs.djangoproject.com/en/5.2/ref/logging/#django-db-backends",
            "https://docs.gunicorn.org/en/stable/settings.html#access-log-format",
        ],
    },
};

fn get<'a>(dict: &'a Expr, key: &str) -> Option<&'a Expr> {
    match dict {
        Expr::Dict(pairs) => pairs
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn entries(dict: Option<&Expr>) -> Vec<(&str, &Expr)> {
    match dict {
        Some(Expr::Dict(pairs)) => pairs
            .iter()
            .filter_map(|(k, v)| k.as_str().map(|k| (k, v)))
            .collect(),
        _ => Vec::new(),
    }
}

const HEADER_MARKERS: &[&str] = &[
    "headers",
    "HTTP_AUTHORIZATION",
    "authorization",
    "Authorization",
    "META",
    "HTTP_COOKIE",
    "cookie",
];

fn logging_findings(file: &AuditFile, module: &Module, assign: &Assign) -> Vec<Finding> {
    let mut out = Vec::new();
    let conf = &assign.value;
    let mut add = |needle: &str, title: String| {
        let pos = pos_after(file, assign.offset, needle);
        out.push(file.source.finding(&META, pos, title).with_key(needle));
    };
    for (name, logger) in entries(get(conf, "loggers")) {
        let level = get(logger, "level").map(|l| eval(l, module));
        if name == "django.db.backends" && level.as_ref().and_then(|l| l.as_str()) == Some("DEBUG")
        {
            add("django.db.backends", "Logger `django.db.backends` at DEBUG writes every SQL statement and its parameters".into());
        }
    }
    for (name, handler) in entries(get(conf, "handlers")) {
        let class = get(handler, "class").and_then(Expr::as_str).unwrap_or("");
        let html = get(handler, "include_html")
            .map(|v| eval(v, module).truthy() == Some(true))
            .unwrap_or(false);
        if class.ends_with("AdminEmailHandler") && html {
            add(
                "include_html",
                format!("Handler `{name}` e-mails the full DEBUG page (`include_html: True`)"),
            );
        }
    }
    for (name, formatter) in entries(get(conf, "formatters")) {
        let format = get(formatter, "format")
            .or_else(|| get(formatter, "fmt"))
            .and_then(Expr::as_str)
            .unwrap_or("");
        if let Some(marker) = HEADER_MARKERS.iter().find(|m| format.contains(*m)) {
            add(
                marker,
                format!("Formatter `{name}` writes request headers (`{marker}`) into log lines"),
            );
        }
    }
    out
}

/// Logging filters (`def filter(self, record)`) that copy request headers or `META`
/// onto the record, where any formatter or handler can print them.
fn header_copying_filters(file: &AuditFile, module: &Module) -> Vec<Finding> {
    let reads_headers =
        |d: &str| d.contains(".headers") || d.contains(".META") || d.contains("HTTP_AUTHORIZATION");
    module
        .local_assigns
        .iter()
        .filter(|a| {
            a.function
                .and_then(|i| module.functions.get(i))
                .is_some_and(|f| f.name == "filter")
                && a.target.starts_with("record.")
                && a.value.mentions(&reads_headers)
        })
        .map(|a| {
            let pos = file.source.pos_at(a.offset);
            file.source
                .finding(
                    &META,
                    pos,
                    format!(
                        "Logging filter copies request headers onto log records (`{}`)",
                        a.target
                    ),
                )
                .with_key(&format!("filter:{}", a.target))
        })
        .collect()
}

impl Rule for Logging {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, project: &Project) -> Vec<Finding> {
        let mut out = Vec::new();
        if leaf_settings(file, project).is_some() {
            if let Some(s) = setting(file, project, "LOGGING") {
                if let Some(module) = s.file.python() {
                    out.extend(logging_findings(s.file, module, s.assign));
                }
            }
        }
        let Some(module) = file.python() else {
            return out;
        };
        out.extend(header_copying_filters(file, module));
        if let Some(a) = module.setting("access_log_format") {
            let fmt = eval(&a.value, module);
            if fmt
                .as_str()
                .is_some_and(|f| f.to_ascii_lowercase().contains("{authorization}i"))
            {
                let pos = file.source.pos_at(a.offset);
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos,
                            "gunicorn's access_log_format writes the Authorization header",
                        )
                        .with_key("gunicorn"),
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
    fn fires_on_token_logging() {
        let s = "DEBUG = False\nSECRET_KEY = k\nLOGGING = {\n    'version': 1,\n    'formatters': {'h': {'format': '%(asctime)s %(request.headers)s'}},\n    'handlers': {\n        'mail': {'class': 'django.utils.log.AdminEmailHandler', 'include_html': True},\n    },\n    'loggers': {\n        'django.db.backends': {'level': 'DEBUG', 'handlers': ['mail']},\n    },\n}\n";
        assert_eq!(lines(&run(&Logging, &[("settings.py", s)])), [5, 7, 10]);
        let g = "bind = '0.0.0.0:8000'\naccess_log_format = '%(h)s %({Authorization}i)s'\n";
        assert_eq!(lines(&run(&Logging, &[("gunicorn.conf.py", g)])), [2]);
    }

    #[test]
    fn fires_on_filters_copying_headers_onto_records() {
        let src = "import logging\nclass RequestContext(logging.Filter):\n    def filter(self, record):\n        request = getattr(record, 'request', None)\n        record.auth = request.META.get('HTTP_AUTHORIZATION', '')\n        record.path = request.path\n        return True\n";
        assert_eq!(lines(&run(&Logging, &[("shop/log.py", src)])), [5]);
    }

    #[test]
    fn silent_for_safe_logging() {
        let s = "DEBUG = False\nSECRET_KEY = k\nLOGGING = {'version': 1, 'loggers': {'django.db.backends': {'level': 'INFO'}}, 'handlers': {'mail': {'class': 'django.utils.log.AdminEmailHandler'}}}\n";
        assert!(run(&Logging, &[("settings.py", s)]).is_empty());
    }
}
