//! PY-003: SSRF — a URL controlled by the caller fetched server-side.

use crate::parse::python::{Expr, Module};
use crate::project::{AuditFile, Project};
use crate::rules::python::{is_request_source, outbound_calls};
use crate::rules::{Rule, OWASP_API7};
use std::collections::HashSet;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Ssrf;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PY-003"),
    name: "Server-side request to a caller-controlled URL",
    category: Category::Ssrf,
    severity: Severity::High,
    cwe: 918,
    owasp: Owasp::Api7,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Within a function, data from the request (`request.GET`, `request.POST`, `request.data`, `request.query_params`, `request.headers`, `request.META`, Flask's `request.args`/`form`/`json`) flowing — directly or through local variables, concatenation, f-strings, `.format`, `urljoin` — into the scheme or host of a `requests`/`httpx`/`urllib`/`urllib3` call's URL. Input that only fills the path or query of a fixed `https://host/` is not reported.",
        why: "The server fetches what the caller names: cloud metadata (`169.254.169.254`) and `kubernetes.default.svc` hand out credentials, the Docker API on 2375 runs containers, and any service-to-service token the client attaches goes to the attacker.",
        evidence: "shop/views.py:31:16 `requests.get(target, timeout=3)` where `target = request.GET['url']`.",
        remediation: "Never fetch a caller-supplied URL directly: map an identifier to a server-side URL, or validate the parsed host against an allow-list after resolving it, refuse private and link-local addresses, disable redirects, and never attach the service's own credentials.",
        remediation_django: Some("Resolve `request.GET['url']` with `urllib.parse.urlsplit`, compare the host with a `settings.FETCH_ALLOWED_HOSTS` set, and call `requests.get(url, allow_redirects=False, timeout=3)` without an Authorization header."),
        references: &[
            OWASP_API7,
            "https://cwe.mitre.org/data/definitions/918.html",
            "https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html",
        ],
    },
};

/// Names in function `f` that hold request data (to a fixpoint over its assignments).
fn tainted(module: &Module, f: usize) -> HashSet<String> {
    let locals: Vec<_> = module
        .local_assigns
        .iter()
        .filter(|a| a.function == Some(f))
        .collect();
    let mut set: HashSet<String> = HashSet::new();
    for _ in 0..8 {
        let before = set.len();
        for a in &locals {
            let taints = match &a.value {
                Expr::Concat(_) => host_tainted(&a.value, &set, 0),
                v if escapes_segment(v) => false,
                v => v.mentions(&|d| is_request_source(d) || set.contains(d)),
            };
            if taints {
                set.insert(a.target.clone());
            }
        }
        if set.len() == before {
            break;
        }
    }
    set
}

/// Whether the caller controls where the URL points (scheme and host).
fn host_tainted(e: &Expr, t: &HashSet<String>, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let next = |e: &Expr| host_tainted(e, t, depth + 1);
    match e {
        Expr::Name(n) => t.contains(n),
        Expr::Attr(..) | Expr::Subscript(..) => {
            e.dotted()
                .is_some_and(|d| is_request_source(&d) || t.contains(&d))
                || matches!(e, Expr::Subscript(b, _) if next(b))
                || matches!(e, Expr::Attr(b, _) if next(b))
        }
        Expr::Concat(parts) => {
            // A literal `scheme://host/` fixes where the URL points; after a literal
            // ending in `/`, a value escaped with `quote(…, safe='')` is one path
            // segment. Anything else the caller controls can reach scheme, host or
            // port (`BASE + value` with `value` = `@evil.example`).
            let mut host_fixed = false;
            let mut after_slash = false;
            for part in parts {
                if let Expr::Str(s) = part {
                    if s.split_once("://")
                        .is_some_and(|(_, rest)| rest.contains('/'))
                    {
                        host_fixed = true;
                    }
                    after_slash = s.ends_with('/') && !s.ends_with("//");
                    continue;
                }
                if next(part) && !host_fixed && !(after_slash && escapes_segment(part)) {
                    return true;
                }
                after_slash = false;
            }
            false
        }
        Expr::Call(c) => {
            let callee = c.func.dotted().unwrap_or_default();
            if is_request_source(&callee) {
                return true;
            }
            match &c.func {
                Expr::Attr(object, _) if next(object) => true,
                _ => match callee.rsplit('.').next() {
                    Some("str" | "unquote" | "quote" | "quote_plus") => {
                        c.args.first().is_some_and(next)
                    }
                    // An absolute URL as the second argument replaces the base's host.
                    Some("urljoin") => c
                        .args
                        .iter()
                        .take(2)
                        .any(|a| next(a) && !escapes_segment(a)),
                    _ => false,
                },
            }
        }
        _ => false,
    }
}

/// `quote(v, safe='')`, `quote_plus(v)`, `int(v)`, `uuid.UUID(v)`: the value cannot
/// carry `/`, `@`, `:` or `?`, so it stays one path segment.
fn escapes_segment(e: &Expr) -> bool {
    let Expr::Call(c) = e else {
        return false;
    };
    let callee = c.func.dotted().unwrap_or_default();
    match callee.rsplit('.').next() {
        Some("quote") => {
            c.kwarg("safe")
                .is_some_and(|s| matches!(s, Expr::Str(v) if v.is_empty()))
                || c.args
                    .get(1)
                    .is_some_and(|s| matches!(s, Expr::Str(v) if v.is_empty()))
        }
        Some("quote_plus" | "int" | "UUID" | "urlencode") => true,
        _ => false,
    }
}

impl Rule for Ssrf {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(module) = file.python() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for o in outbound_calls(module) {
            let (Some(f), Some(url)) = (o.call.function, o.url) else {
                continue;
            };
            let t = tainted(module, f);
            if host_tainted(url, &t, 0) {
                let callee = module.callee(o.call).unwrap_or_default();
                let pos = file.source.pos_at(o.call.offset);
                let fname = module.functions.get(f).map_or("?", |x| x.name.as_str());
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos,
                            format!("`{callee}` fetches a URL taken from the request in `{fname}`"),
                        )
                        .with_key(&o.call.offset.to_string()),
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
    fn fires_on_request_controlled_urls() {
        let src = "import requests\nfrom urllib.request import urlopen\ndef fetch(request):\n    u = request.GET.get('url', '')\n    target = u.strip()\n    return requests.get(target, timeout=3)\ndef hook(request):\n    urlopen('http://' + request.data['host'] + '/x')\n";
        assert_eq!(lines(&run(&Ssrf, &[("views.py", src)])), [6, 8]);
    }

    #[test]
    fn silent_for_an_escaped_path_segment_after_a_configured_base() {
        let src = "import requests\nfrom urllib.parse import quote\nfrom django.conf import settings\ndef item(request):\n    i = request.GET['id']\n    url = f\"{settings.CATALOGUE_URL}/items/{quote(i, safe='')}\"\n    return requests.get(url, timeout=3)\n";
        assert!(run(&Ssrf, &[("views.py", src)]).is_empty());
    }

    #[test]
    fn fires_when_the_value_is_appended_unescaped_or_reaches_the_host() {
        let src = "import requests\nfrom urllib.parse import quote, urljoin\nfrom django.conf import settings\ndef a(request):\n    return requests.get(settings.BASE + request.GET['p'], timeout=3)\ndef b(request):\n    return requests.get(f\"{settings.BASE}/{quote(request.GET['p'])}\", timeout=3)\ndef c(request):\n    return requests.get(urljoin(settings.BASE, request.GET['u']), timeout=3)\ndef d(request):\n    return requests.get('https://' + quote(request.GET['h'], safe=''), timeout=3)\n";
        assert_eq!(lines(&run(&Ssrf, &[("views.py", src)])), [5, 7, 9, 11]);
    }

    #[test]
    fn silent_for_fixed_hosts() {
        let src = "import requests\ndef item(request):\n    i = request.GET['id']\n    return requests.get(f'https://api.example/items/{i}', params={'q': request.GET['q']}, timeout=3)\n";
        assert!(run(&Ssrf, &[("views.py", src)]).is_empty());
    }
}
