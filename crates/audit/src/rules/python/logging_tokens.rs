//! PY-006: logging or printing Authorization headers and tokens.

use crate::names::is_secret_name;
use crate::parse::python::Expr;
use crate::project::{AuditFile, Project};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct LoggingTokens;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PY-006"),
    name: "Authorization header or token written to logs",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 532,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`logger.debug/info/warning/error/exception/critical/log`, `logging.*` and `print` calls whose arguments include `request.headers`, `request.META`, `request.COOKIES`, `request.auth`, the `Authorization`/`HTTP_AUTHORIZATION` header, or a variable named like a secret (`token`, `api_key`, `password`); and `logging.config.listen()`, which accepts logging configuration from the network.",
        why: "Log lines are shipped, indexed and kept for months by systems and people outside the secret's trust boundary. A logged bearer token can be replayed until it expires; a logged refresh token or API key much longer.",
        evidence: "shop/middleware.py:14:9 `logger.info(\"incoming %s\", request.headers)`.",
        remediation: "Log identifiers (user id, token id or a hash prefix), never header values or tokens; add a logging filter that redacts `Authorization` and `Cookie` as a safety net.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/532.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html",
        ],
    },
};

const LEVELS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "log",
];

fn is_log_call(callee: &str) -> bool {
    if callee == "print" {
        return true;
    }
    let Some((object, method)) = callee.rsplit_once('.') else {
        return false;
    };
    let object = object
        .rsplit('.')
        .next()
        .unwrap_or(object)
        .to_ascii_lowercase();
    LEVELS.contains(&method) && (object.contains("log") || object == "logging")
}

/// What sensitive thing an argument carries.
fn sensitive(e: &Expr) -> Option<String> {
    let mut found = None;
    e.walk(&mut |x| {
        if found.is_some() {
            return;
        }
        if let Some(d) = x.dotted() {
            let bare = d.trim_start_matches("self.");
            if [
                "request.headers",
                "request.META",
                "request.COOKIES",
                "request.auth",
            ]
            .iter()
            .any(|s| bare.starts_with(s))
            {
                found = Some(
                    bare.split('(')
                        .next()
                        .unwrap_or(bare)
                        .trim_end_matches('.')
                        .to_string(),
                );
            } else if matches!(x, Expr::Name(_) | Expr::Attr(..))
                && is_secret_name(d.rsplit('.').next().unwrap_or(&d))
            {
                found = Some(d.clone());
            }
        }
        if let Expr::Subscript(_, key) = x {
            if key.as_str().is_some_and(|k| {
                k.eq_ignore_ascii_case("authorization") || k == "HTTP_AUTHORIZATION"
            }) {
                found = Some("the Authorization header".into());
            }
        }
        if let Expr::Call(c) = x {
            let getter = c.func.dotted().is_some_and(|d| d.ends_with(".get"));
            if getter
                && c.args.first().and_then(Expr::as_str).is_some_and(|k| {
                    k.eq_ignore_ascii_case("authorization") || k == "HTTP_AUTHORIZATION"
                })
            {
                found = Some("the Authorization header".into());
            }
        }
    });
    found
}

impl Rule for LoggingTokens {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(module) = file.python() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in &module.calls {
            let Some(callee) = module.callee(c) else {
                continue;
            };
            let pos = file.source.pos_at(c.offset);
            if callee == "logging.config.listen" {
                out.push(file.source.finding(&META, pos, "`logging.config.listen()` accepts logging configuration over the network").with_key(&c.offset.to_string()));
                continue;
            }
            if !is_log_call(&callee) {
                continue;
            }
            let args = c
                .args
                .iter()
                .skip(usize::from(callee.ends_with(".log")))
                .chain(c.kwargs.iter().map(|(_, v)| v));
            if let Some(what) = args
                .filter(|a| !matches!(a, Expr::Str(_)))
                .find_map(sensitive)
            {
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos,
                            format!("`{callee}` writes `{what}` to the logs"),
                        )
                        .with_key(&c.offset.to_string()),
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
    fn fires_on_logged_headers_and_tokens() {
        let src = "import logging\nlogger = logging.getLogger(__name__)\ndef f(request, api_token):\n    logger.info('incoming %s', request.headers)\n    logger.debug('auth=%s', request.META.get('HTTP_AUTHORIZATION'))\n    print(f'using {api_token}')\n";
        assert_eq!(lines(&run(&LoggingTokens, &[("m.py", src)])), [4, 5, 6]);
    }

    #[test]
    fn silent_for_ordinary_logging() {
        let src = "import logging\nlogger = logging.getLogger(__name__)\ndef f(request, user):\n    logger.info('missing Authorization header for %s', user.id)\n    logger.info('path %s', request.path)\n";
        assert!(run(&LoggingTokens, &[("m.py", src)]).is_empty());
    }
}
