//! Python rules (PY-) and what they share: recognising outbound HTTP calls (requests,
//! httpx, urllib, urllib3, and `Session`/`Client` objects) and request-derived taint.

pub mod command_injection;
pub mod deserialisation;
pub mod eval_exec;
pub mod hardcoded_secret;
pub mod logging_tokens;
pub mod outbound_options;
pub mod ssrf;
pub mod tls_verify;

use crate::parse::python::{Call, Expr, Module};

/// The HTTP library behind an outbound call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lib {
    Requests,
    Httpx,
    Urllib,
    Urllib3,
}

/// An outbound HTTP call.
pub struct Outbound<'a> {
    pub lib: Lib,
    pub call: &'a Call,
    pub url: Option<&'a Expr>,
}

const VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
];

/// Names bound to a `requests.Session()`/`httpx.Client()` anywhere in the module.
pub fn client_names(module: &Module) -> Vec<(String, Lib)> {
    module
        .assigns
        .iter()
        .chain(&module.local_assigns)
        .filter_map(|a| {
            let Expr::Call(c) = &a.value else { return None };
            let lib = match module.callee(c)?.as_str() {
                "requests.Session" | "requests.session" | "requests.sessions.Session" => {
                    Lib::Requests
                }
                "httpx.Client" | "httpx.AsyncClient" => Lib::Httpx,
                "urllib3.PoolManager" => Lib::Urllib3,
                _ => return None,
            };
            Some((a.target.clone(), lib))
        })
        .collect()
}

/// The call as an outbound HTTP call, if it is one.
pub fn outbound<'a>(
    module: &Module,
    clients: &[(String, Lib)],
    call: &'a Call,
) -> Option<Outbound<'a>> {
    let callee = module.callee(call)?;
    let (object, method) = callee.rsplit_once('.').unwrap_or(("", callee.as_str()));
    let lib = match object {
        "requests" => Lib::Requests,
        "httpx" => Lib::Httpx,
        "urllib.request" if method == "urlopen" => Lib::Urllib,
        "urllib3" => Lib::Urllib3,
        "requests.Session()" | "requests.session()" => Lib::Requests,
        "httpx.Client()" => Lib::Httpx,
        "urllib3.PoolManager()" => Lib::Urllib3,
        o => clients.iter().find(|(n, _)| n == o).map(|(_, l)| *l)?,
    };
    if lib != Lib::Urllib && !VERBS.contains(&method) {
        return None;
    }
    let url = match (lib, method) {
        (Lib::Urllib3, _) | (_, "request") | (_, "stream") => call.arg(1, "url"),
        _ => call.arg(0, "url"),
    };
    Some(Outbound { lib, call, url })
}

/// Every outbound call of a module.
pub fn outbound_calls(module: &Module) -> Vec<Outbound<'_>> {
    let clients = client_names(module);
    module
        .calls
        .iter()
        .filter_map(|c| outbound(module, &clients, c))
        .collect()
}

/// The literal text a URL expression starts with (through one module-level name).
pub fn literal_prefix(module: &Module, expr: &Expr) -> Option<String> {
    match expr {
        Expr::Str(s) => Some(s.clone()),
        Expr::Concat(parts) => parts.first().and_then(|p| literal_prefix(module, p)),
        Expr::Name(n) => match module.setting(n).map(|a| &a.value) {
            Some(Expr::Str(s)) => Some(s.clone()),
            Some(Expr::Concat(parts)) => parts.first().and_then(|p| p.as_str().map(str::to_string)),
            _ => None,
        },
        _ => None,
    }
}

/// Request data a caller controls: Django/DRF/Flask request attributes.
pub fn is_request_source(dotted: &str) -> bool {
    let rest = dotted.strip_prefix("self.").unwrap_or(dotted);
    let Some(attr) = rest.strip_prefix("request.") else {
        return false;
    };
    let attr = attr.split(['.', '(']).next().unwrap_or(attr);
    matches!(
        attr,
        "GET"
            | "POST"
            | "data"
            | "query_params"
            | "headers"
            | "META"
            | "body"
            | "args"
            | "form"
            | "json"
            | "values"
            | "COOKIES"
            | "get_json"
    )
}
