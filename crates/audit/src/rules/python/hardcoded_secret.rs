//! PY-007: hard-coded secrets in Python code.

use crate::names::{is_literal_secret_value, is_secret_name};
use crate::parse::python::Expr;
use crate::project::{AuditFile, Project, PythonRole};
use crate::rules::{demote_test_key, masking, Rule, OWASP_API8};
use crate::secrets::{find_secrets, masker};
use crate::source::Pos;
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct HardcodedSecret;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PY-007"),
    name: "Hard-coded secret in Python code",
    category: Category::DataExposure,
    severity: Severity::High,
    cwe: 798,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "String literals in a known token format anywhere in a module (tollgate's secret patterns), and literal strings assigned to secret-looking names (`API_TOKEN = '…'`, `self.password = '…'`), passed as `password=`/`token=`/`api_key=` arguments, or used as such parameters' defaults. `SECRET_KEY` in settings is DJ-002.",
        why: "A secret in source code is in every clone, every fork, every image and the whole git history; it cannot be rotated without a code change, and it is usually the same in every environment.",
        evidence: "shop/clients.py:7:1 `PAYMENT_API_KEY = 'sk_live_…7dc'` (Stripe secret key).",
        remediation: "Rotate the secret; load it at run time from the environment or a mounted secret file, with no literal fallback.",
        remediation_django: Some("Read it in settings from the environment (`env('PAYMENT_API_KEY')`) and import `settings.PAYMENT_API_KEY` where it is used."),
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/798.html",
            "https://cwe.mitre.org/data/definitions/259.html",
        ],
    },
};

impl Rule for HardcodedSecret {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn check(&self, file: &AuditFile, _project: &Project) -> Vec<Finding> {
        let Some(module) = file.python().filter(|_| !file.is_test_or_fixture()) else {
            return Vec::new();
        };
        let settings = matches!(
            file.artefact,
            crate::project::Artefact::Python(_, PythonRole::Settings | PythonRole::DevSettings)
        );
        let mut out: Vec<Finding> = Vec::new();
        let mut lines: Vec<u32> = Vec::new();
        let mut push = |pos: Pos, f: Finding, out: &mut Vec<Finding>| {
            if !lines.contains(&pos.line) {
                lines.push(pos.line);
                out.push(f);
            }
        };
        for hit in find_secrets(&file.source.text) {
            if settings && hit.rule_id.starts_with("django.") {
                continue;
            }
            let pos = file.source.pos_at(hit.span.start);
            let raw = file.source.text.get(hit.span.clone()).unwrap_or("");
            push(
                pos,
                demote_test_key(
                    file.source
                        .finding(&META, pos, format!("{} in source code", hit.rule_name))
                        .with_key(&format!("{}:{}", pos.line, hit.rule_id))
                        .with_fact(format!("{} `{}`", hit.rule_id, hit.masked)),
                    raw,
                ),
                &mut out,
            );
        }
        let mut named: Vec<(usize, String, String)> = Vec::new();
        for a in module.assigns.iter().chain(&module.local_assigns) {
            if let Expr::Str(v) = &a.value {
                let name = a.target.rsplit('.').next().unwrap_or(&a.target);
                let django_key =
                    settings && (name == "SECRET_KEY" || name == "SECRET_KEY_FALLBACKS");
                if !django_key {
                    named.push((a.offset, a.target.clone(), v.clone()));
                }
            }
        }
        for c in &module.calls {
            named.extend(
                c.kwargs
                    .iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (c.offset, k.clone(), s.to_string()))),
            );
        }
        for f in &module.functions {
            named.extend(f.params.iter().filter_map(|p| {
                p.default
                    .as_ref()
                    .and_then(Expr::as_str)
                    .map(|s| (p.offset, p.name.clone(), s.to_string()))
            }));
        }
        for (offset, name, value) in named {
            let last = name.rsplit('.').next().unwrap_or(&name);
            if is_secret_name(last) && is_literal_secret_value(&value) {
                let pos = file.source.pos_at(offset);
                let f = file
                    .source
                    .finding(&META, pos, format!("`{name}` is a hard-coded secret"))
                    .with_key(&format!("{}:{name}", pos.line))
                    .with_fact(format!("value `{}`", masker().value(&value)));
                push(pos, demote_test_key(masking(f, &value), &value), &mut out);
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
    fn fires_on_literal_secrets() {
        let src = "PAYMENT_KEY = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'\nDB_PASSWORD = 'correct horse battery'\ndef connect(user, password='hunter2hunter2'):\n    return client(api_token='abcd1234abcd1234')\n";
        let f = run(&HardcodedSecret, &[("c.py", src)]);
        assert_eq!(lines(&f), [1, 2, 3, 4]);
        assert!(f.iter().all(|x| !x
            .evidence
            .snippet
            .as_deref()
            .unwrap_or("")
            .contains("hunter2hunter2")));
    }

    #[test]
    fn vendor_test_keys_are_low_and_say_so() {
        let src = "STRIPE_KEY = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'\n";
        let f = run(&HardcodedSecret, &[("shop/pay.py", src)]);
        assert_eq!(lines(&f), [1]);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(f[0].title.contains("test-mode key"));
    }

    #[test]
    fn silent_in_tests_and_for_import_paths() {
        let src = "DB_PASSWORD = 'correct horse battery'\n";
        assert!(run(&HardcodedSecret, &[("shop/tests/test_db.py", src)]).is_empty());
        let src =
            "PUSH_CREDENTIALS = 'app.utils.push_credentials'\nAUTH_TOKEN_URL = 'https://x/t'\n";
        assert!(run(&HardcodedSecret, &[("shop/conf.py", src)]).is_empty());
    }

    #[test]
    fn silent_for_environment_reads() {
        let src = "import os\nAPI_TOKEN = os.environ['API_TOKEN']\nTOKEN_URL = 'https://auth.example/token'\ndef f(password=None):\n    pass\n";
        assert!(run(&HardcodedSecret, &[("c.py", src)]).is_empty());
    }
}
