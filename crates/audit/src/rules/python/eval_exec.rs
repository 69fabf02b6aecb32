//! PY-009: `eval`/`exec` of data.

use crate::project::{AuditFile, Project};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct EvalExec;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PY-009"),
    name: "eval or exec of data",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 95,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "Calls of the built-in `eval` or `exec` whose first argument is not a literal.",
        why: "Code built from data runs with the API's privileges: reading its environment (tokens), its files and, where mounted, the container runtime socket. There is no safe sandbox for `eval`.",
        evidence: "shop/reports.py:9:12 `eval(request.GET['expr'])`.",
        remediation: "Parse data with a real parser (`json.loads`, `ast.literal_eval` for Python literals), or map inputs to a fixed set of functions.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/95.html",
            "https://docs.python.org/3/library/ast.html#ast.literal_eval",
        ],
    },
};

impl Rule for EvalExec {
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
                let name = c.func.dotted()?;
                let builtin =
                    (name == "eval" || name == "exec") && !module.imports.contains_key(&name);
                let dynamic = c.args.first().is_some_and(|a| !a.is_literal());
                (builtin && dynamic).then(|| {
                    file.source
                        .finding(
                            &META,
                            file.source.pos_at(c.offset),
                            format!("`{name}` runs code built from data"),
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
    fn fires_on_dynamic_eval() {
        let src = "def f(request):\n    return eval(request.GET['expr'])\n";
        assert_eq!(lines(&run(&EvalExec, &[("r.py", src)])), [2]);
    }

    #[test]
    fn silent_for_literals_and_methods() {
        let src = "import ast\ndef f(x, cursor):\n    eval('1 + 1')\n    cursor.execute(x)\n    ast.literal_eval(x)\n";
        assert!(run(&EvalExec, &[("r.py", src)]).is_empty());
    }
}
