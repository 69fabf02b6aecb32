//! Django settings rules (DJ-) and a small evaluator for settings expressions.
//!
//! Settings are evaluated the way a deployment without extra environment variables
//! would see them: `os.environ.get("DEBUG", "True")` is `"True"`, `env.bool("DEBUG",
//! default=True)` is `True`. Split settings are followed: a module that star-imports
//! `base.py` inherits its values, and `base.py` itself is only judged through the
//! modules that import it. Development settings (`dev.py`, `local.py`, `test.py`)
//! are not judged.

pub mod allowed_hosts;
pub mod debug;
pub mod logging;
pub mod middleware_cookies;
pub mod reporter_filter;
pub mod secret_key;
pub mod transport;

use crate::parse::python::{Assign, Expr, Module};
use crate::project::{AuditFile, Project};
use crate::source::Pos;

/// A statically known Python value.
#[derive(Debug, Clone, PartialEq)]
pub enum PyVal {
    Bool(bool),
    Int(i64),
    Str(String),
    None,
    List(Vec<PyVal>),
    Unknown,
}

impl PyVal {
    /// Python truthiness, when known.
    pub fn truthy(&self) -> Option<bool> {
        match self {
            PyVal::Bool(b) => Some(*b),
            PyVal::Int(i) => Some(*i != 0),
            PyVal::Str(s) => Some(!s.is_empty()),
            PyVal::None => Some(false),
            PyVal::List(l) => Some(!l.is_empty()),
            PyVal::Unknown => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyVal::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The strings of a list value.
    pub fn strings(&self) -> Vec<&str> {
        match self {
            PyVal::List(items) => items.iter().filter_map(PyVal::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// How env-reading helpers turn a string into a bool (django-environ, decouple).
fn env_bool(v: PyVal) -> PyVal {
    match v {
        PyVal::Str(s) => PyVal::Bool(matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "on" | "y" | "t"
        )),
        other => other,
    }
}

const MAX_EVAL_DEPTH: usize = 8;

/// Evaluates an expression of `module`.
pub fn eval(expr: &Expr, module: &Module) -> PyVal {
    eval_at(expr, module, 0)
}

fn eval_at(expr: &Expr, module: &Module, depth: usize) -> PyVal {
    if depth > MAX_EVAL_DEPTH {
        return PyVal::Unknown;
    }
    let ev = |e: &Expr| eval_at(e, module, depth + 1);
    match expr {
        Expr::Bool(b) => PyVal::Bool(*b),
        Expr::Int(i) => PyVal::Int(*i),
        Expr::Str(s) => PyVal::Str(s.clone()),
        Expr::None => PyVal::None,
        Expr::List(items) => PyVal::List(items.iter().map(ev).collect()),
        Expr::Concat(parts) => {
            let vals: Vec<PyVal> = parts.iter().map(ev).collect();
            match vals
                .iter()
                .map(|v| v.as_str())
                .collect::<Option<Vec<&str>>>()
            {
                Some(strs) => PyVal::Str(strs.concat()),
                None => PyVal::Unknown,
            }
        }
        Expr::Name(n) => module.setting(n).map_or(PyVal::Unknown, |a| ev(&a.value)),
        Expr::Not(e) => ev(e).truthy().map_or(PyVal::Unknown, |b| PyVal::Bool(!b)),
        Expr::BoolOp(l, op, r) => bool_op(ev(l), op, ev(r)),
        Expr::Compare(l, op, r) => compare(ev(l), op.as_str(), ev(r)),
        Expr::Call(call) => eval_call(call, module, depth),
        _ => PyVal::Unknown,
    }
}

fn bool_op(l: PyVal, op: &str, r: PyVal) -> PyVal {
    match (op, l.truthy()) {
        ("or", Some(true)) | ("and", Some(false)) => l,
        ("or", Some(false)) | ("and", Some(true)) => r,
        _ => PyVal::Unknown,
    }
}

fn compare(l: PyVal, op: &str, r: PyVal) -> PyVal {
    if l == PyVal::Unknown || r == PyVal::Unknown {
        return PyVal::Unknown;
    }
    match op {
        "==" => PyVal::Bool(l == r),
        "!=" => PyVal::Bool(l != r),
        "in" | "not in" => match &r {
            PyVal::List(items) => PyVal::Bool(items.contains(&l) == (op == "in")),
            PyVal::Str(s) => l.as_str().map_or(PyVal::Unknown, |x| {
                PyVal::Bool(s.contains(x) == (op == "in"))
            }),
            _ => PyVal::Unknown,
        },
        _ => PyVal::Unknown,
    }
}

fn eval_call(call: &crate::parse::python::Call, module: &Module, depth: usize) -> PyVal {
    let ev = |e: &Expr| eval_at(e, module, depth + 1);
    let callee = module.callee(call).unwrap_or_default();
    if callee == "os.environ.get" || callee == "os.getenv" {
        return call.arg(1, "default").map_or(PyVal::None, ev);
    }
    if let Expr::Attr(object, method) = &call.func {
        let base = || ev(object);
        match method.as_str() {
            "lower" => {
                return base()
                    .as_str()
                    .map_or(PyVal::Unknown, |s| PyVal::Str(s.to_lowercase()))
            }
            "upper" => {
                return base()
                    .as_str()
                    .map_or(PyVal::Unknown, |s| PyVal::Str(s.to_uppercase()))
            }
            "strip" => {
                return base()
                    .as_str()
                    .map_or(PyVal::Unknown, |s| PyVal::Str(s.trim().to_string()))
            }
            "split" => {
                let sep = call.args.first().map(ev);
                return match (base(), sep) {
                    (PyVal::Str(s), Some(PyVal::Str(sep))) if !sep.is_empty() => PyVal::List(
                        s.split(sep.as_str())
                            .map(|p| PyVal::Str(p.to_string()))
                            .collect(),
                    ),
                    (PyVal::Str(s), None) => PyVal::List(
                        s.split_whitespace()
                            .map(|p| PyVal::Str(p.to_string()))
                            .collect(),
                    ),
                    _ => PyVal::Unknown,
                };
            }
            _ => {}
        }
    }
    match callee.as_str() {
        "bool" => {
            return call
                .args
                .first()
                .map(ev)
                .and_then(|v| v.truthy())
                .map_or(PyVal::Unknown, PyVal::Bool)
        }
        "int" => {
            return match call.args.first().map(ev) {
                Some(PyVal::Str(s)) => s.trim().parse().map_or(PyVal::Unknown, PyVal::Int),
                Some(PyVal::Int(i)) => PyVal::Int(i),
                Some(PyVal::Bool(b)) => PyVal::Int(i64::from(b)),
                _ => PyVal::Unknown,
            }
        }
        "str" => {
            return call
                .args
                .first()
                .map(ev)
                .unwrap_or(PyVal::Str(String::new()))
        }
        _ => {}
    }
    // django-environ `env.bool("X", default=…)`, `env("X", default=…)`; decouple `config("X", default=…, cast=bool)`.
    let Some(default) = call.kwarg("default").map(ev) else {
        return PyVal::Unknown;
    };
    let casts_bool = callee.ends_with(".bool")
        || call.kwarg("cast").and_then(Expr::dotted).as_deref() == Some("bool");
    if casts_bool {
        env_bool(default)
    } else {
        default
    }
}

/// The settings module to judge: a deployment settings module that no other settings
/// module star-imports.
pub(crate) fn leaf_settings<'a>(file: &'a AuditFile, project: &Project) -> Option<&'a Module> {
    file.settings()
        .filter(|_| !project.is_base_settings(file) && project.is_deployment_settings(file))
}

/// The effective value of a setting, with the file and assignment that set it.
pub(crate) struct Setting<'a> {
    pub file: &'a AuditFile,
    pub assign: &'a Assign,
    pub value: PyVal,
}

impl Setting<'_> {
    pub fn pos(&self) -> Pos {
        self.file.source.pos_at(self.assign.offset)
    }
}

pub(crate) fn setting<'a>(
    file: &'a AuditFile,
    project: &'a Project,
    name: &str,
) -> Option<Setting<'a>> {
    let (f, assign) = project.setting(file, name)?;
    let module = f.python()?;
    Some(Setting {
        file: f,
        assign,
        value: eval(&assign.value, module),
    })
}

/// The position of `needle`'s first occurrence after `offset` (a key inside a dict
/// literal), or of `offset` itself.
pub(crate) fn pos_after(file: &AuditFile, offset: usize, needle: &str) -> Pos {
    let at = file
        .source
        .text
        .get(offset..)
        .and_then(|t| t.find(needle))
        .map_or(offset, |i| offset + i);
    file.source.pos_at(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::python::parse;

    fn value(src: &str, name: &str) -> PyVal {
        let m = parse(src).expect("parses");
        let a = m.setting(name).expect("assigned").clone();
        eval(&a.value, &m)
    }

    #[test]
    fn evaluates_env_defaults() {
        assert_eq!(
            value(
                "import os\nDEBUG = os.environ.get('DEBUG', 'True') == 'True'\n",
                "DEBUG"
            ),
            PyVal::Bool(true)
        );
        assert_eq!(
            value(
                "import os\nDEBUG = os.getenv('DEBUG', 'false').lower() in ('1', 'true')\n",
                "DEBUG"
            ),
            PyVal::Bool(false)
        );
        assert_eq!(
            value("DEBUG = env.bool('DJANGO_DEBUG', default=True)\n", "DEBUG"),
            PyVal::Bool(true)
        );
        assert_eq!(
            value(
                "DEBUG = config('DEBUG', default='False', cast=bool)\n",
                "DEBUG"
            ),
            PyVal::Bool(false)
        );
        assert_eq!(
            value(
                "import os\nDEBUG = bool(int(os.environ.get('DEBUG', '1')))\n",
                "DEBUG"
            ),
            PyVal::Bool(true)
        );
        assert_eq!(
            value("import os\nDEBUG = os.environ['DEBUG'] == '1'\n", "DEBUG"),
            PyVal::Unknown
        );
        assert_eq!(
            value("MODE = 'prod'\nDEBUG = MODE != 'prod'\n", "DEBUG"),
            PyVal::Bool(false)
        );
        assert_eq!(
            value(
                "import os\nALLOWED_HOSTS = os.environ.get('HOSTS', '*').split(',')\n",
                "ALLOWED_HOSTS"
            )
            .strings(),
            ["*"]
        );
    }
}
