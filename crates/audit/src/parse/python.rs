//! Python through tree-sitter-python (a real grammar, error-tolerant: a file with a
//! syntax error still yields every statement tree-sitter could recover).
//!
//! The syntax tree is lowered once into a small model the rules read: module-level
//! assignments (Django settings), every call with its arguments (outbound HTTP,
//! subprocess, pickle, logging), functions with their parameters and local
//! assignments (taint from `request.*` to a URL), and the import aliases.

use std::cell::RefCell;
use std::collections::HashMap;
use tree_sitter::{Node as TsNode, Parser};

/// Deepest syntax nesting lowered; deeper sub-trees become `Expr::Other`.
const MAX_DEPTH: usize = 200;

/// A Python expression, reduced to what the rules need.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Str(String),
    Int(i64),
    Float,
    Bool(bool),
    None,
    /// An identifier.
    Name(String),
    /// `object.attr`.
    Attr(Box<Expr>, String),
    Call(Box<Call>),
    /// List, tuple or set.
    List(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// f-strings, `+`, `%` and `.format` concatenation, in order.
    Concat(Vec<Expr>),
    Subscript(Box<Expr>, Box<Expr>),
    /// `left op right` for comparisons and `in`; `op` as written.
    Compare(Box<Expr>, String, Box<Expr>),
    /// `a or b`, `a and b`.
    BoolOp(Box<Expr>, String, Box<Expr>),
    Not(Box<Expr>),
    /// Anything else, with its sub-expressions kept for reference searches.
    Other(Vec<Expr>),
}

/// A call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub func: Expr,
    pub args: Vec<Expr>,
    pub kwargs: Vec<(String, Expr)>,
    /// Byte offset of the call.
    pub offset: usize,
    /// Index into `Module::functions` of the enclosing function.
    pub function: Option<usize>,
}

/// `target = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    /// The target as written: `DEBUG`, `self.session`.
    pub target: String,
    pub value: Expr,
    pub offset: usize,
    pub function: Option<usize>,
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub default: Option<Expr>,
    pub offset: usize,
}

/// A function or method definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    pub params: Vec<Param>,
    pub offset: usize,
}

/// A lowered module.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Module {
    /// Assignments outside functions and classes, in order (inside `if`/`try` too).
    pub assigns: Vec<Assign>,
    /// Assignments inside functions.
    pub local_assigns: Vec<Assign>,
    /// Every call, in source order (nested calls after the call holding them).
    pub calls: Vec<Call>,
    pub functions: Vec<Function>,
    /// Local name → qualified name (`r` → `requests`, `get` → `requests.get`).
    pub imports: HashMap<String, String>,
    /// Modules star-imported (`from .base import *` → `.base`).
    pub star_imports: Vec<String>,
    /// Whether tree-sitter had to recover from a syntax error.
    pub has_errors: bool,
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parses and lowers a module. `None` only if tree-sitter itself gives up.
pub fn parse(text: &str) -> Option<Module> {
    let tree = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut p = Parser::new();
            p.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
            *slot = Some(p);
        }
        slot.as_mut()?.parse(text, None)
    })?;
    let root = tree.root_node();
    let mut lower = Lower {
        src: text.as_bytes(),
        module: Module::default(),
        function: None,
    };
    lower.module.has_errors = root.has_error();
    lower.block(root, 0, true);
    Some(lower.module)
}

fn named_children(node: TsNode<'_>) -> Vec<TsNode<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

struct Lower<'s> {
    src: &'s [u8],
    module: Module,
    function: Option<usize>,
}

impl Lower<'_> {
    fn text(&self, node: TsNode<'_>) -> String {
        node.utf8_text(self.src).unwrap_or("").to_string()
    }

    /// Statements of a module or block. `top`: outside any function or class.
    fn block(&mut self, node: TsNode<'_>, depth: usize, top: bool) {
        if depth > MAX_DEPTH {
            return;
        }
        for child in named_children(node) {
            self.statement(child, depth + 1, top);
        }
    }

    fn statement(&mut self, node: TsNode<'_>, depth: usize, top: bool) {
        match node.kind() {
            "expression_statement" => {
                for child in named_children(node) {
                    self.expression_statement(child, depth, top);
                }
            }
            "function_definition" => self.function_def(node, depth),
            "class_definition" => {
                if let Some(body) = node.child_by_field_name("body") {
                    self.block(body, depth, false);
                }
            }
            "decorated_definition" => {
                for child in named_children(node) {
                    if child.kind() == "decorator" {
                        self.expr(child, depth);
                    } else {
                        self.statement(child, depth, top);
                    }
                }
            }
            "import_statement" => self.import(node),
            "import_from_statement" => self.import_from(node),
            "return_statement" | "delete_statement" | "raise_statement" | "assert_statement" => {
                for child in named_children(node) {
                    self.expr(child, depth);
                }
            }
            "if_statement" | "elif_clause" | "while_statement" | "for_statement" => {
                for field in ["condition", "right"] {
                    if let Some(c) = node.child_by_field_name(field) {
                        self.expr(c, depth);
                    }
                }
                self.nested_blocks(node, depth, top);
            }
            "with_statement" => {
                for child in named_children(node) {
                    if child.kind() == "with_clause" {
                        self.expr(child, depth);
                    }
                }
                self.nested_blocks(node, depth, top);
            }
            _ => self.nested_blocks(node, depth, top),
        }
    }

    fn nested_blocks(&mut self, node: TsNode<'_>, depth: usize, top: bool) {
        for child in named_children(node) {
            match child.kind() {
                "block" => self.block(child, depth, top),
                "else_clause" | "elif_clause" | "except_clause" | "finally_clause"
                | "case_clause" | "match_statement" | "try_statement" | "if_statement"
                | "with_statement" | "for_statement" | "while_statement" => {
                    self.statement(child, depth + 1, top)
                }
                _ => {}
            }
        }
    }

    fn expression_statement(&mut self, node: TsNode<'_>, depth: usize, top: bool) {
        match node.kind() {
            "assignment" | "augmented_assignment" => self.assignment(node, depth, top),
            _ => {
                self.expr(node, depth);
            }
        }
    }

    fn assignment(&mut self, node: TsNode<'_>, depth: usize, top: bool) {
        let Some(left) = node.child_by_field_name("left") else {
            return;
        };
        let Some(right) = node.child_by_field_name("right") else {
            return;
        };
        let value = if right.kind() == "assignment" {
            self.assignment(right, depth + 1, top);
            right
                .child_by_field_name("right")
                .map_or(Expr::Other(Vec::new()), |r| self.expr(r, depth + 1))
        } else {
            self.expr(right, depth + 1)
        };
        let targets = match left.kind() {
            "pattern_list" | "tuple_pattern" | "list_pattern" => named_children(left),
            _ => vec![left],
        };
        let values = match (&value, targets.len()) {
            (Expr::List(items), n) if n > 1 && items.len() == n => items.clone(),
            _ => vec![value; targets.len()],
        };
        for (target, value) in targets.into_iter().zip(values) {
            let assign = Assign {
                target: self.text(target),
                value,
                offset: target.start_byte(),
                function: self.function,
            };
            if top && self.function.is_none() {
                self.module.assigns.push(assign);
            } else {
                self.module.local_assigns.push(assign);
            }
        }
    }

    fn function_def(&mut self, node: TsNode<'_>, depth: usize) {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n))
            .unwrap_or_default();
        let params = node
            .child_by_field_name("parameters")
            .map(|p| self.params(p, depth))
            .unwrap_or_default();
        self.module.functions.push(Function {
            name,
            params,
            offset: node.start_byte(),
        });
        let outer = self.function.replace(self.module.functions.len() - 1);
        if let Some(body) = node.child_by_field_name("body") {
            self.block(body, depth, false);
        }
        self.function = outer;
    }

    fn params(&mut self, node: TsNode<'_>, depth: usize) -> Vec<Param> {
        named_children(node)
            .into_iter()
            .filter_map(|p| {
                let (name_node, default) = match p.kind() {
                    "identifier" => (p, None),
                    "default_parameter" | "typed_default_parameter" => (
                        p.child_by_field_name("name")?,
                        p.child_by_field_name("value")
                            .map(|v| self.expr(v, depth + 1)),
                    ),
                    "typed_parameter" => (named_children(p).into_iter().next()?, None),
                    _ => return None,
                };
                Some(Param {
                    name: self.text(name_node),
                    default,
                    offset: name_node.start_byte(),
                })
            })
            .collect()
    }

    fn import(&mut self, node: TsNode<'_>) {
        for child in named_children(node) {
            match child.kind() {
                "dotted_name" => {
                    let full = self.text(child);
                    let first = full.split('.').next().unwrap_or(&full).to_string();
                    self.module.imports.insert(first.clone(), first);
                }
                "aliased_import" => {
                    let name = child.child_by_field_name("name").map(|n| self.text(n));
                    let alias = child.child_by_field_name("alias").map(|n| self.text(n));
                    if let (Some(name), Some(alias)) = (name, alias) {
                        self.module.imports.insert(alias, name);
                    }
                }
                _ => {}
            }
        }
    }

    fn import_from(&mut self, node: TsNode<'_>) {
        let Some(module) = node
            .child_by_field_name("module_name")
            .map(|n| self.text(n))
        else {
            return;
        };
        for child in named_children(node) {
            if child.start_byte()
                == node
                    .child_by_field_name("module_name")
                    .map_or(0, |m| m.start_byte())
            {
                continue;
            }
            match child.kind() {
                "wildcard_import" => self.module.star_imports.push(module.clone()),
                "dotted_name" => {
                    let name = self.text(child);
                    self.module
                        .imports
                        .insert(name.clone(), format!("{module}.{name}"));
                }
                "aliased_import" => {
                    let name = child.child_by_field_name("name").map(|n| self.text(n));
                    let alias = child.child_by_field_name("alias").map(|n| self.text(n));
                    if let (Some(name), Some(alias)) = (name, alias) {
                        self.module
                            .imports
                            .insert(alias, format!("{module}.{name}"));
                    }
                }
                _ => {}
            }
        }
    }

    fn children_exprs(&mut self, node: TsNode<'_>, depth: usize) -> Vec<Expr> {
        named_children(node)
            .into_iter()
            .filter(|c| c.kind() != "comment")
            .map(|c| self.expr(c, depth + 1))
            .collect()
    }

    /// Lowers an expression; calls inside it are recorded in `module.calls`.
    fn expr(&mut self, node: TsNode<'_>, depth: usize) -> Expr {
        if depth > MAX_DEPTH {
            return Expr::Other(Vec::new());
        }
        match node.kind() {
            "string" => self.string(node, depth),
            "concatenated_string" => Expr::Concat(self.children_exprs(node, depth)),
            "integer" => Expr::Int(parse_int(&self.text(node))),
            "float" => Expr::Float,
            "true" => Expr::Bool(true),
            "false" => Expr::Bool(false),
            "none" => Expr::None,
            "identifier" => Expr::Name(self.text(node)),
            "attribute" => {
                let object = node
                    .child_by_field_name("object")
                    .map_or(Expr::Other(Vec::new()), |o| self.expr(o, depth + 1));
                let attr = node
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a))
                    .unwrap_or_default();
                Expr::Attr(Box::new(object), attr)
            }
            "call" => self.call(node, depth),
            "list" | "tuple" | "set" | "expression_list" => {
                Expr::List(self.children_exprs(node, depth))
            }
            "dictionary" => self.dict(node, depth),
            "subscript" => {
                let value = node
                    .child_by_field_name("value")
                    .map_or(Expr::None, |v| self.expr(v, depth + 1));
                let index = node
                    .child_by_field_name("subscript")
                    .map_or(Expr::None, |v| self.expr(v, depth + 1));
                Expr::Subscript(Box::new(value), Box::new(index))
            }
            "parenthesized_expression" => named_children(node)
                .into_iter()
                .next()
                .map_or(Expr::None, |c| self.expr(c, depth + 1)),
            "binary_operator" => self.binary(node, depth),
            "comparison_operator" => self.compare(node, depth),
            "boolean_operator" => {
                let l = node
                    .child_by_field_name("left")
                    .map_or(Expr::None, |v| self.expr(v, depth + 1));
                let r = node
                    .child_by_field_name("right")
                    .map_or(Expr::None, |v| self.expr(v, depth + 1));
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                Expr::BoolOp(Box::new(l), op, Box::new(r))
            }
            "not_operator" => {
                let a = node
                    .child_by_field_name("argument")
                    .map_or(Expr::None, |v| self.expr(v, depth + 1));
                Expr::Not(Box::new(a))
            }
            "assignment" | "augmented_assignment" | "named_expression" => {
                self.assignment(node, depth, false);
                Expr::Other(Vec::new())
            }
            _ => Expr::Other(self.children_exprs(node, depth)),
        }
    }

    fn string(&mut self, node: TsNode<'_>, depth: usize) -> Expr {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut interpolated = false;
        for child in named_children(node) {
            match child.kind() {
                "string_content" | "escape_sequence" => literal.push_str(&self.text(child)),
                "interpolation" => {
                    interpolated = true;
                    if !literal.is_empty() {
                        parts.push(Expr::Str(std::mem::take(&mut literal)));
                    }
                    let inner = child
                        .child_by_field_name("expression")
                        .map_or(Expr::None, |e| self.expr(e, depth + 1));
                    parts.push(inner);
                }
                _ => {}
            }
        }
        if !interpolated {
            return Expr::Str(literal);
        }
        if !literal.is_empty() {
            parts.push(Expr::Str(literal));
        }
        Expr::Concat(parts)
    }

    fn dict(&mut self, node: TsNode<'_>, depth: usize) -> Expr {
        let mut pairs = Vec::new();
        for child in named_children(node) {
            if child.kind() == "pair" {
                let k = child
                    .child_by_field_name("key")
                    .map_or(Expr::None, |v| self.expr(v, depth + 1));
                let v = child
                    .child_by_field_name("value")
                    .map_or(Expr::None, |v| self.expr(v, depth + 1));
                pairs.push((k, v));
            }
        }
        Expr::Dict(pairs)
    }

    fn binary(&mut self, node: TsNode<'_>, depth: usize) -> Expr {
        let op = node
            .child_by_field_name("operator")
            .map(|o| self.text(o))
            .unwrap_or_default();
        let l = node
            .child_by_field_name("left")
            .map_or(Expr::None, |v| self.expr(v, depth + 1));
        let r = node
            .child_by_field_name("right")
            .map_or(Expr::None, |v| self.expr(v, depth + 1));
        match (op.as_str(), l) {
            ("+" | "%", Expr::Concat(mut parts)) => {
                parts.push(r);
                Expr::Concat(parts)
            }
            ("+" | "%", l) => Expr::Concat(vec![l, r]),
            (_, l) => Expr::Other(vec![l, r]),
        }
    }

    fn compare(&mut self, node: TsNode<'_>, depth: usize) -> Expr {
        let mut operands = Vec::new();
        let mut op = String::new();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.is_named() {
                operands.push(child);
            } else if op.is_empty() {
                op = self.text(child);
            } else if child.kind() == "in" || child.kind() == "is" {
                op.push(' ');
                op.push_str(child.kind());
            }
        }
        match operands.as_slice() {
            [l, r] => {
                let (l, r) = (*l, *r);
                let l = self.expr(l, depth + 1);
                let r = self.expr(r, depth + 1);
                Expr::Compare(Box::new(l), op, Box::new(r))
            }
            _ => Expr::Other(
                operands
                    .into_iter()
                    .map(|o| self.expr(o, depth + 1))
                    .collect(),
            ),
        }
    }

    fn call(&mut self, node: TsNode<'_>, depth: usize) -> Expr {
        let func = node
            .child_by_field_name("function")
            .map_or(Expr::None, |f| self.expr(f, depth + 1));
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        if let Some(list) = node.child_by_field_name("arguments") {
            for a in named_children(list) {
                match a.kind() {
                    "keyword_argument" => {
                        let name = a
                            .child_by_field_name("name")
                            .map(|n| self.text(n))
                            .unwrap_or_default();
                        let value = a
                            .child_by_field_name("value")
                            .map_or(Expr::None, |v| self.expr(v, depth + 1));
                        kwargs.push((name, value));
                    }
                    "comment" => {}
                    _ => args.push(self.expr(a, depth + 1)),
                }
            }
        }
        // `"…".format(x)` is a concatenation of the template and its arguments.
        if let Expr::Attr(object, attr) = &func {
            if attr == "format" && matches!(**object, Expr::Str(_) | Expr::Concat(_)) {
                let mut parts = vec![(**object).clone()];
                parts.extend(args.iter().cloned());
                parts.extend(kwargs.iter().map(|(_, v)| v.clone()));
                return Expr::Concat(parts);
            }
        }
        let call = Call {
            func,
            args,
            kwargs,
            offset: node.start_byte(),
            function: self.function,
        };
        self.module.calls.push(call.clone());
        Expr::Call(Box::new(call))
    }
}

fn parse_int(text: &str) -> i64 {
    let t = text.replace('_', "");
    let t = t.trim_end_matches(['l', 'L']);
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).unwrap_or(0);
    }
    t.parse().unwrap_or(0)
}

impl Expr {
    /// `a.b.c` for names and attribute chains; calls in the chain read as `f()`.
    pub fn dotted(&self) -> Option<String> {
        match self {
            Expr::Name(n) => Some(n.clone()),
            Expr::Attr(object, attr) => Some(format!("{}.{attr}", object.dotted()?)),
            Expr::Call(call) => Some(format!("{}()", call.func.dotted()?)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is a literal with no name or call in it.
    pub fn is_literal(&self) -> bool {
        match self {
            Expr::Str(_) | Expr::Int(_) | Expr::Float | Expr::Bool(_) | Expr::None => true,
            Expr::List(items) | Expr::Concat(items) => items.iter().all(Expr::is_literal),
            Expr::Dict(pairs) => pairs.iter().all(|(k, v)| k.is_literal() && v.is_literal()),
            _ => false,
        }
    }

    /// Every sub-expression, depth first, this one included.
    pub fn walk(&self, visit: &mut dyn FnMut(&Expr)) {
        visit(self);
        match self {
            Expr::Attr(o, _) | Expr::Not(o) => o.walk(visit),
            Expr::Call(c) => {
                c.func.walk(visit);
                c.args.iter().for_each(|a| a.walk(visit));
                c.kwargs.iter().for_each(|(_, v)| v.walk(visit));
            }
            Expr::List(items) | Expr::Concat(items) | Expr::Other(items) => {
                items.iter().for_each(|i| i.walk(visit))
            }
            Expr::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
                k.walk(visit);
                v.walk(visit);
            }),
            Expr::Subscript(a, b) | Expr::Compare(a, _, b) | Expr::BoolOp(a, _, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            _ => {}
        }
    }

    /// Whether any dotted name in the expression satisfies `pred`.
    pub fn mentions(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            if let Some(d) = e.dotted() {
                found |= pred(&d);
            }
            if let Expr::Str(s) = e {
                found |= pred(s);
            }
        });
        found
    }
}

impl Call {
    pub fn kwarg(&self, name: &str) -> Option<&Expr> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Positional argument `i`, or the keyword argument `name`.
    pub fn arg(&self, i: usize, name: &str) -> Option<&Expr> {
        self.args.get(i).or_else(|| self.kwarg(name))
    }
}

impl Module {
    /// The qualified name of a dotted reference (`r.get` → `requests.get` after
    /// `import requests as r`).
    pub fn qualify(&self, dotted: &str) -> String {
        let (first, rest) = dotted
            .split_once('.')
            .map_or((dotted, None), |(f, r)| (f, Some(r)));
        match (self.imports.get(first), rest) {
            (Some(q), Some(rest)) => format!("{q}.{rest}"),
            (Some(q), None) => q.clone(),
            (None, _) => dotted.to_string(),
        }
    }

    /// The qualified callee of a call.
    pub fn callee(&self, call: &Call) -> Option<String> {
        call.func.dotted().map(|d| self.qualify(&d))
    }

    /// The last module-level assignment of `name`.
    pub fn setting(&self, name: &str) -> Option<&Assign> {
        self.assigns.iter().rev().find(|a| a.target == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowers_assignments_calls_and_imports() {
        let m = parse(
            "import requests as r\nfrom urllib.request import urlopen\nfrom .base import *\nDEBUG = True\nif X:\n    ALLOWED_HOSTS = ['*']\ndef f(request, token='abc'):\n    u = request.GET['url']\n    return r.get(u, verify=False)\n",
        )
        .expect("parses");
        assert!(!m.has_errors);
        assert_eq!(
            m.setting("DEBUG").map(|a| &a.value),
            Some(&Expr::Bool(true))
        );
        assert!(m.setting("ALLOWED_HOSTS").is_some());
        assert_eq!(m.star_imports, [".base"]);
        assert_eq!(m.qualify("urlopen"), "urllib.request.urlopen");
        let call = &m.calls[0];
        assert_eq!(m.callee(call).as_deref(), Some("requests.get"));
        assert_eq!(call.kwarg("verify"), Some(&Expr::Bool(false)));
        assert_eq!(call.function, Some(0));
        assert_eq!(
            m.functions[0].params[1].default,
            Some(Expr::Str("abc".into()))
        );
        assert_eq!(m.local_assigns[0].target, "u");
    }

    #[test]
    fn strings_fstrings_and_format() {
        let m = parse("A = f'http://{host}/x'\nB = 'a' 'b'\nC = '{}'.format(y)\nD = 'x' + z\n")
            .expect("parses");
        assert!(
            matches!(&m.assigns[0].value, Expr::Concat(p) if p[0] == Expr::Str("http://".into()))
        );
        assert!(matches!(&m.assigns[1].value, Expr::Concat(_)));
        assert!(matches!(&m.assigns[2].value, Expr::Concat(p) if p.len() == 2));
        assert!(m.assigns[3].value.mentions(&|n| n == "z"));
    }

    #[test]
    fn tolerates_syntax_errors() {
        let m = parse("x = (\nDEBUG = True\n").expect("parses");
        assert!(m.has_errors);
    }
}
