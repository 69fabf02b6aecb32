//! PY-001: outbound HTTP calls without a timeout, or sending credentials over plain
//! HTTP (merges checklist P1 and P8).

use crate::parse::python::{Expr, Module};
use crate::project::{AuditFile, Project};
use crate::rules::python::{literal_prefix, outbound_calls, Lib, Outbound};
use crate::rules::{Rule, OWASP_API10};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct OutboundOptions;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PY-001"),
    name: "Outbound HTTP call without a timeout or with credentials over HTTP",
    category: Category::UnsafeConsumption,
    severity: Severity::Low,
    cwe: 400,
    owasp: Owasp::Api10,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`requests` calls and `Session` methods without `timeout=` (or with `timeout=None`), `urllib.request.urlopen` without a timeout, `httpx` with `timeout=None` (low); and calls to an `http://` URL (not loopback) that pass `auth=` or an `Authorization`/token header (high).",
        why: "Without a timeout one slow upstream ties up a worker forever: a handful of requests to an attacker's slow server exhausts the API. Credentials sent over plain HTTP are readable and replayable by anyone on the path.",
        evidence: "shop/clients.py:14:12 `requests.get(url, headers=headers)` has no timeout.",
        remediation: "Pass an explicit `timeout=(3.05, 10)` on every call (requests has no default), and use https:// for every URL that carries credentials.",
        remediation_django: None,
        references: &[
            OWASP_API10,
            "https://cwe.mitre.org/data/definitions/400.html",
            "https://cwe.mitre.org/data/definitions/319.html",
            "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts",
        ],
    },
};

fn missing_timeout(o: &Outbound<'_>) -> bool {
    let t = o.call.kwarg("timeout");
    match o.lib {
        Lib::Requests | Lib::Urllib | Lib::Urllib3 => t.is_none_or(|v| *v == Expr::None),
        Lib::Httpx => t == Some(&Expr::None),
    }
}

fn has_credentials(module: &Module, o: &Outbound<'_>) -> bool {
    if o.call.kwarg("auth").is_some_and(|a| *a != Expr::None) {
        return true;
    }
    let headers = match o.call.kwarg("headers") {
        Some(Expr::Name(n)) => module.setting(n).map(|a| &a.value).or_else(|| {
            module
                .local_assigns
                .iter()
                .rev()
                .find(|a| &a.target == n)
                .map(|a| &a.value)
        }),
        other => other,
    };
    matches!(headers, Some(Expr::Dict(pairs)) if pairs.iter().any(|(k, _)| k.as_str().is_some_and(|k| {
        let k = k.to_ascii_lowercase();
        k == "authorization" || k.contains("token") || k.contains("api-key") || k.contains("apikey")
    })))
}

fn plain_http(module: &Module, o: &Outbound<'_>) -> Option<String> {
    let prefix = literal_prefix(module, o.url?)?;
    let rest = prefix.strip_prefix("http://")?;
    let host = rest.split(['/', ':', '?']).next().unwrap_or("");
    let loopback = host == "localhost" || host.starts_with("127.") || host == "[::1]";
    (!loopback && !host.is_empty()).then(|| host.to_string())
}

impl Rule for OutboundOptions {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(module) = file.python() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for o in outbound_calls(module) {
            let pos = file.source.pos_at(o.call.offset);
            let callee = module.callee(o.call).unwrap_or_default();
            if let Some(host) = plain_http(module, &o).filter(|_| has_credentials(module, &o)) {
                out.push(
                    file.source
                        .finding(
                            &META,
                            pos,
                            format!("`{callee}` sends credentials to http://{host} in clear text"),
                        )
                        .with_severity(Severity::High)
                        .with_key(&format!("{}:http", o.call.offset)),
                );
            }
            if missing_timeout(&o) {
                out.push(
                    file.source
                        .finding(&META, pos, format!("`{callee}` has no timeout"))
                        .with_key(&format!("{}:timeout", o.call.offset)),
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
    fn fires_on_missing_timeouts_and_http_credentials() {
        let src = "import requests\nfrom urllib.request import urlopen\nS = requests.Session()\ndef f(t):\n    requests.get('https://a.example/x')\n    S.post('http://b.example/x', headers={'Authorization': 'Bearer ' + t}, timeout=5)\n    urlopen('https://c.example')\n";
        assert_eq!(
            lines(&run(&OutboundOptions, &[("clients.py", src)])),
            [5, 6, 7]
        );
    }

    #[test]
    fn silent_with_timeouts_and_https() {
        let src = "import requests, httpx\ndef f(t):\n    requests.get('https://a.example/x', timeout=5, auth=('u', t))\n    httpx.get('http://localhost:8000/x', headers={'Authorization': t})\n    data.get('x')\n";
        assert!(run(&OutboundOptions, &[("clients.py", src)]).is_empty());
    }
}
