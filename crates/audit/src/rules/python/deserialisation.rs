//! PY-004: insecure deserialisation.

use crate::parse::python::Expr;
use crate::project::{AuditFile, Project};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct Deserialisation;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PY-004"),
    name: "Insecure deserialisation",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 502,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`pickle`/`cPickle`/`_pickle`/`dill`/`marshal` `load(s)`, `shelve.open`, `jsonpickle.decode`, `pandas.read_pickle`, `yaml.unsafe_load`, and `yaml.load` without `SafeLoader`/`CSafeLoader`/`BaseLoader`.",
        why: "Deserialising data an attacker can influence runs code of the attacker's choosing inside the API process — with its environment, its tokens and, in a container with a mounted socket, the host.",
        evidence: "shop/cache.py:12:12 `pickle.loads(blob)`.",
        remediation: "Use JSON (or another data-only format) for anything that crosses a trust boundary; `yaml.safe_load` for YAML; sign serialised data with HMAC if a binary format is unavoidable.",
        remediation_django: Some("Use Django's `JSONSerializer` for sessions and `django.core.signing` for tokens; never `PickleSerializer`."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/502.html",
            "https://docs.python.org/3/library/pickle.html",
        ],
    },
};

fn unsafe_call(callee: &str, call: &crate::parse::python::Call) -> bool {
    let (module, func) = callee.rsplit_once('.').unwrap_or(("", callee));
    match (module, func) {
        (
            "pickle" | "cPickle" | "_pickle" | "dill" | "marshal" | "cloudpickle",
            "load" | "loads" | "Unpickler",
        ) => true,
        ("shelve", "open")
        | ("jsonpickle", "decode")
        | ("pandas", "read_pickle")
        | ("yaml", "unsafe_load" | "unsafe_load_all") => true,
        ("yaml", "load" | "load_all") => {
            let loader = call
                .arg(1, "Loader")
                .and_then(Expr::dotted)
                .unwrap_or_default();
            !["SafeLoader", "CSafeLoader", "BaseLoader"]
                .iter()
                .any(|s| loader.ends_with(s))
        }
        _ => false,
    }
}

impl Rule for Deserialisation {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(module) = file.python() else {
            return Vec::new();
        };
        module
            .calls
            .iter()
            .filter_map(|c| {
                let callee = module.callee(c)?;
                unsafe_call(&callee, c).then(|| {
                    file.source
                        .finding(
                            &META,
                            file.source.pos_at(c.offset),
                            format!("`{callee}` deserialises data that can run code"),
                        )
                        .with_key(&c.offset.to_string())
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_pickle_and_yaml_load() {
        let src = "import pickle, yaml\nfrom pickle import loads\ndef f(b):\n    a = loads(b)\n    c = yaml.load(b)\n    d = yaml.load(b, Loader=yaml.FullLoader)\n";
        assert_eq!(lines(&run(&Deserialisation, &[("x.py", src)])), [4, 5, 6]);
    }

    #[test]
    fn silent_for_safe_loaders() {
        let src = "import json, yaml\ndef f(b):\n    json.loads(b)\n    yaml.safe_load(b)\n    yaml.load(b, Loader=yaml.SafeLoader)\n";
        assert!(run(&Deserialisation, &[("x.py", src)]).is_empty());
    }
}
