//! Framework and server fingerprinting from recorded responses.
//!
//! Each rule is data: a technology, where to look, and the text that gives it away.
//! The evidence string says which response and which signal matched, so a report can
//! explain why tollgate believes the target is Django.

use crate::engine::Exchange;
use regex::Regex;
use std::sync::{Arc, OnceLock};
use tollgate_core::Technology;

/// Where a signal is looked for.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A response header, by lower-case name; the pattern runs over its value.
    Header(&'static str),
    /// A cookie name set by the response.
    Cookie,
    /// The response body.
    Body,
}

struct Rule {
    tech: &'static str,
    source: Source,
    /// The first capture group, if any, is the version.
    pattern: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        tech: "django",
        source: Source::Cookie,
        pattern: r"^(csrftoken|django_language)$",
    },
    Rule {
        tech: "django",
        source: Source::Body,
        pattern: r"(?:You're seeing this error because you have <code>DEBUG = True</code>|Django tried these URL patterns|<title>Log in \| Django site admin</title>|Django administration)",
    },
    Rule {
        tech: "django",
        source: Source::Body,
        pattern: r#"<meta name="robots" content="NONE,NOARCHIVE">\s*<title>[^<]*(?:at /|Page not found)"#,
    },
    Rule {
        tech: "drf",
        source: Source::Body,
        pattern: r#"(?:Django REST framework|"detail":\s*"(?:Authentication credentials were not provided\.|Given token not valid for any token type|Not found\.|Invalid token\.))"#,
    },
    Rule {
        tech: "werkzeug",
        source: Source::Header("server"),
        pattern: r"Werkzeug/([0-9][0-9.]*)",
    },
    Rule {
        tech: "flask",
        source: Source::Body,
        pattern: r"(?:flask/app\.py|The debugger caught an exception in your WSGI application)",
    },
    Rule {
        tech: "uvicorn",
        source: Source::Header("server"),
        pattern: r"^uvicorn",
    },
    Rule {
        tech: "fastapi",
        source: Source::Body,
        pattern: r#"^\{"detail":"Not Found"\}$"#,
    },
    Rule {
        tech: "express",
        source: Source::Header("x-powered-by"),
        pattern: r"^Express",
    },
    Rule {
        tech: "express",
        source: Source::Body,
        pattern: r"<pre>Cannot (?:GET|HEAD|OPTIONS) /",
    },
    Rule {
        tech: "spring",
        source: Source::Body,
        pattern: r#"(?:Whitelabel Error Page|"timestamp":"[^"]+","status":\d{3},"error":"[^"]+","path":)"#,
    },
    Rule {
        tech: "rails",
        source: Source::Header("x-runtime"),
        pattern: r"^[0-9.]+$",
    },
    Rule {
        tech: "rails",
        source: Source::Cookie,
        pattern: r"^_[a-z0-9_]+_session$",
    },
    Rule {
        tech: "laravel",
        source: Source::Cookie,
        pattern: r"^laravel_session$",
    },
    Rule {
        tech: "aspnet",
        source: Source::Header("x-aspnet-version"),
        pattern: r"([0-9][0-9.]*)",
    },
    Rule {
        tech: "aspnet",
        source: Source::Header("x-powered-by"),
        pattern: r"^ASP\.NET",
    },
    Rule {
        tech: "aspnet",
        source: Source::Header("server"),
        pattern: r"^Kestrel",
    },
    Rule {
        tech: "gunicorn",
        source: Source::Header("server"),
        pattern: r"^gunicorn(?:/([0-9][0-9.]*))?",
    },
    Rule {
        tech: "nginx",
        source: Source::Header("server"),
        pattern: r"^nginx(?:/([0-9][0-9.]*))?",
    },
    Rule {
        tech: "python-wsgiref",
        source: Source::Header("server"),
        pattern: r"^WSGIServer/[0-9.]+ CPython/([0-9.]+)",
    },
];

fn compiled() -> &'static [(&'static Rule, Regex)] {
    static CELL: OnceLock<Vec<(&'static Rule, Regex)>> = OnceLock::new();
    CELL.get_or_init(|| {
        RULES
            .iter()
            .filter_map(|r| Regex::new(r.pattern).ok().map(|re| (r, re)))
            .collect()
    })
}

/// Recognises frameworks and servers in the exchanges. One entry per technology,
/// with the first evidence found. DRF implies Django.
pub fn fingerprint(exchanges: &[Arc<Exchange>]) -> Vec<Technology> {
    let mut found: Vec<Technology> = Vec::new();
    for ex in exchanges {
        for (rule, re) in compiled() {
            if found.iter().any(|t| t.name == rule.tech) {
                continue;
            }
            if let Some(t) = match_rule(rule, re, ex) {
                found.push(t);
            }
        }
    }
    if found.iter().any(|t| t.name == "drf") && !found.iter().any(|t| t.name == "django") {
        found.push(Technology {
            name: "django".into(),
            version: None,
            evidence: "implied by Django REST framework".into(),
        });
    }
    found
}

fn match_rule(rule: &Rule, re: &Regex, ex: &Exchange) -> Option<Technology> {
    let url = ex.request.url.path();
    let hit = |version: Option<String>, evidence: String| Technology {
        name: rule.tech.into(),
        version,
        evidence,
    };
    match rule.source {
        Source::Header(name) => {
            let value = ex.response.header(name)?;
            let caps = re.captures(value)?;
            let version = caps.get(1).map(|m| m.as_str().to_string());
            Some(hit(version, format!("header `{name}: {value}` on {url}")))
        }
        Source::Cookie => ex.response.headers_all("set-cookie").find_map(|c| {
            let name = c.split('=').next()?.trim();
            re.is_match(name)
                .then(|| hit(None, format!("cookie `{name}` set by {url}")))
        }),
        Source::Body => {
            let text = ex.response.text();
            let m = re.find(&text)?;
            let snippet: String = m.as_str().chars().take(60).collect();
            Some(hit(None, format!("body of {url} contains `{snippet}`")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RecordedRequest, Response};
    use bytes::Bytes;
    use std::time::Duration;
    use tollgate_core::HttpMethod;

    fn ex(headers: &[(&str, &str)], body: &str) -> Arc<Exchange> {
        Arc::new(Exchange {
            seq: 0,
            check: None,
            request: RecordedRequest {
                method: HttpMethod::Get,
                url: url::Url::parse("http://127.0.0.1/x").expect("url"),
                headers: vec![],
                identity: None,
            },
            response: Response {
                status: 200,
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                body: Bytes::from(body.to_string()),
                truncated: false,
                elapsed: Duration::ZERO,
            },
        })
    }

    fn names(t: &[Technology]) -> Vec<&str> {
        t.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn recognises_each_framework() {
        let cases: Vec<(Arc<Exchange>, &str)> = vec![
            (ex(&[("set-cookie", "csrftoken=abc; Path=/")], ""), "django"),
            (
                ex(
                    &[],
                    r#"{"detail":"Authentication credentials were not provided."}"#,
                ),
                "drf",
            ),
            (
                ex(&[("server", "Werkzeug/3.0.1 Python/3.11.7")], ""),
                "werkzeug",
            ),
            (
                ex(
                    &[],
                    "The debugger caught an exception in your WSGI application",
                ),
                "flask",
            ),
            (ex(&[("server", "uvicorn")], ""), "uvicorn"),
            (ex(&[], r#"{"detail":"Not Found"}"#), "fastapi"),
            (ex(&[("x-powered-by", "Express")], ""), "express"),
            (ex(&[], "<html><h1>Whitelabel Error Page</h1>"), "spring"),
            (ex(&[("x-runtime", "0.012")], ""), "rails"),
            (
                ex(&[("set-cookie", "laravel_session=x; path=/")], ""),
                "laravel",
            ),
            (ex(&[("x-powered-by", "ASP.NET")], ""), "aspnet"),
            (ex(&[("server", "gunicorn")], ""), "gunicorn"),
            (ex(&[("server", "nginx/1.25.3")], ""), "nginx"),
        ];
        for (e, want) in cases {
            let got = fingerprint(&[e]);
            assert!(
                names(&got).contains(&want),
                "{want} not in {:?}",
                names(&got)
            );
        }
    }

    #[test]
    fn extracts_versions_and_implies_django_from_drf() {
        let got = fingerprint(&[ex(
            &[("server", "nginx/1.25.3")],
            r#"{"detail":"Not found."}"#,
        )]);
        let nginx = got.iter().find(|t| t.name == "nginx").expect("nginx");
        assert_eq!(nginx.version.as_deref(), Some("1.25.3"));
        assert!(names(&got).contains(&"django"));
    }

    #[test]
    fn plain_responses_fingerprint_nothing() {
        assert!(fingerprint(&[ex(&[("content-type", "application/json")], "{}")]).is_empty());
    }
}
