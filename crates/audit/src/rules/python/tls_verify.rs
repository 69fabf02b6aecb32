//! PY-002: TLS certificate verification disabled.

use crate::parse::python::Expr;
use crate::project::{AuditFile, Project};
use crate::rules::python::outbound_calls;
use crate::rules::{Rule, OWASP_API10};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct TlsVerify;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PY-002"),
    name: "TLS certificate verification disabled",
    category: Category::EncryptionTransport,
    severity: Severity::High,
    cwe: 295,
    owasp: Owasp::Api10,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`verify=False` on requests/httpx calls, sessions and clients; `session.verify = False`; `ssl._create_unverified_context()`; `ssl.CERT_NONE`; `check_hostname = False`.",
        why: "With verification off, anyone on the network path can impersonate the upstream: the bearer tokens and API keys the service sends go to the attacker, and the responses it trusts come from the attacker.",
        evidence: "shop/clients.py:22:16 `requests.post(url, json=body, verify=False, timeout=5)`.",
        remediation: "Remove `verify=False`; for internal services with a private CA pass `verify='/path/to/ca.pem'` (or set `REQUESTS_CA_BUNDLE`).",
        remediation_django: None,
        references: &[
            OWASP_API10,
            "https://cwe.mitre.org/data/definitions/295.html",
            "https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification",
        ],
    },
};

fn is_cert_none(e: &Expr) -> bool {
    e.mentions(&|d| d == "ssl.CERT_NONE" || d == "CERT_NONE")
}

impl Rule for TlsVerify {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(module) = file.python() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut add = |offset: usize, title: String| {
            let pos = file.source.pos_at(offset);
            out.push(
                file.source
                    .finding(&META, pos, title)
                    .with_key(&offset.to_string()),
            );
        };
        let outbound: Vec<usize> = outbound_calls(module)
            .iter()
            .map(|o| o.call.offset)
            .collect();
        for call in &module.calls {
            let callee = module.callee(call).unwrap_or_default();
            let client = matches!(
                callee.as_str(),
                "httpx.Client" | "httpx.AsyncClient" | "aiohttp.TCPConnector"
            );
            let verify_off =
                call.kwarg("verify").or_else(|| call.kwarg("ssl")) == Some(&Expr::Bool(false));
            if verify_off && (client || outbound.contains(&call.offset)) {
                add(call.offset, format!("`{callee}` with `verify=False`"));
            } else if callee == "ssl._create_unverified_context" {
                add(
                    call.offset,
                    "`ssl._create_unverified_context()` skips certificate checks".into(),
                );
            } else if call.kwargs.iter().any(|(_, v)| is_cert_none(v)) {
                add(call.offset, format!("`{callee}` with `ssl.CERT_NONE`"));
            }
        }
        for a in module.assigns.iter().chain(&module.local_assigns) {
            let off = (a.target.ends_with(".verify") || a.target.ends_with("check_hostname"))
                && a.value == Expr::Bool(false);
            if off || (a.target.ends_with("verify_mode") && is_cert_none(&a.value)) {
                add(
                    a.offset,
                    format!("`{}` turns certificate verification off", a.target),
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
    fn fires_on_disabled_verification() {
        let src = "import requests, ssl\ns = requests.Session()\ns.verify = False\ndef f():\n    requests.get('https://x', verify=False, timeout=3)\n    ctx = ssl.create_default_context()\n    ctx.check_hostname = False\n    ctx.verify_mode = ssl.CERT_NONE\n";
        assert_eq!(lines(&run(&TlsVerify, &[("c.py", src)])), [3, 5, 7, 8]);
    }

    #[test]
    fn silent_with_verification() {
        let src = "import requests\ndef f():\n    requests.get('https://x', verify='/etc/ssl/ca.pem', timeout=3)\n    form.save(verify=False)\n";
        assert!(run(&TlsVerify, &[("c.py", src)]).is_empty());
    }
}
