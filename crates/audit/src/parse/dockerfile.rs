//! A small, complete Dockerfile reader: parser directives (`# escape=`), comments, line
//! continuations (comment and blank lines inside them skipped, as BuildKit does),
//! heredocs (`RUN <<EOF`, `<<-EOF`, quoted delimiters, several per instruction),
//! exec (JSON) and shell forms, flags (`--mount=…`), stages (`FROM … AS name`) and
//! `ARG`/`ENV` substitution (`$X`, `${X}`, `${X:-default}`, `${X:+alt}`).
//!
//! Every piece of text keeps a map back to byte offsets in the file, so a finding on the
//! fourth line of a continued `RUN` points at that line.

use std::collections::HashMap;

/// Longest chain of stages built `FROM` one another that is followed.
pub const MAX_STAGE_CHAIN: usize = 32;

/// Text assembled from pieces of the file, with the file offset of every piece.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    /// (offset in `text`, offset in the file) at the start of each piece.
    map: Vec<(usize, usize)>,
}

impl Text {
    fn push(&mut self, piece: &str, file_offset: usize) {
        self.map.push((self.text.len(), file_offset));
        self.text.push_str(piece);
    }

    /// The file offset of an offset in `text`.
    pub fn file_offset(&self, at: usize) -> usize {
        let i = self.map.partition_point(|&(start, _)| start <= at);
        match i.checked_sub(1).and_then(|i| self.map.get(i)) {
            Some(&(start, file)) => file + (at - start),
            None => self.map.first().map_or(0, |&(_, f)| f),
        }
    }
}

/// A here-document attached to an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    pub body: Text,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword: `RUN`, `ENV`, …
    pub keyword: String,
    /// Byte offset of the keyword in the file.
    pub offset: usize,
    /// Everything after the keyword, continuations joined.
    pub args: Text,
    pub heredocs: Vec<Heredoc>,
    /// Index of the stage it belongs to (`None` for global `ARG`s before the first `FROM`).
    pub stage: Option<usize>,
}

/// A `--name=value` flag at the start of the arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: String,
}

/// A `KEY=value` of `ENV`/`ARG`/`LABEL`, with the offset of the key in `args.text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    /// `None` for `ARG NAME` without a default.
    pub value: Option<String>,
    pub at: usize,
}

/// A build stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The `AS` name, lower-cased.
    pub name: Option<String>,
    /// The base image or earlier stage, variables substituted.
    pub base: String,
    /// Index of its `FROM` instruction.
    pub from: usize,
    /// One past its last instruction.
    pub end: usize,
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

struct Line<'a> {
    text: &'a str,
    offset: usize,
}

fn physical_lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        out.push(Line { text: body, offset });
        offset += raw.len();
    }
    out
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Reads the `# escape=` parser directive (the only one that changes parsing).
fn escape_char(lines: &[Line<'_>]) -> char {
    for l in lines {
        let t = l.text.trim();
        let Some(rest) = t.strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = rest.split_once('=') else {
            break;
        };
        if name.trim().eq_ignore_ascii_case("escape") {
            if let Some(c) = value.trim().chars().next() {
                return c;
            }
        }
    }
    '\\'
}

/// Parses a Dockerfile. Never fails: what is not an instruction is skipped.
pub fn parse(text: &str) -> Dockerfile {
    let lines = physical_lines(text);
    let escape = escape_char(&lines);
    let mut instructions = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.text.trim().is_empty() || is_comment(line.text) {
            i += 1;
            continue;
        }
        let (instruction, next) = read_instruction(&lines, i, escape);
        instructions.push(instruction);
        i = next.max(i + 1);
    }
    let mut df = Dockerfile {
        instructions,
        stages: Vec::new(),
    };
    df.assign_stages();
    df
}

/// Reads one instruction starting at line `i`; returns it and the next line index.
fn read_instruction(lines: &[Line<'_>], mut i: usize, escape: char) -> (Instruction, usize) {
    let first = &lines[i];
    let lead = first.text.len() - first.text.trim_start().len();
    let body = &first.text[lead..];
    let kw_len = body.find(char::is_whitespace).unwrap_or(body.len());
    let keyword = body[..kw_len].to_ascii_uppercase();
    let rest_start = lead + kw_len;
    let rest = &first.text[rest_start..];
    let trimmed = rest.trim_start();
    let mut args = Text::default();
    let mut piece = trimmed;
    let mut piece_offset = first.offset + rest_start + (rest.len() - trimmed.len());
    loop {
        match strip_continuation(piece, escape) {
            Some(kept) => {
                args.push(kept, piece_offset);
                i += 1;
                while i < lines.len()
                    && (is_comment(lines[i].text) || lines[i].text.trim().is_empty())
                {
                    i += 1;
                }
                let Some(next) = lines.get(i) else { break };
                piece = next.text;
                piece_offset = next.offset;
            }
            None => {
                args.push(piece, piece_offset);
                i += 1;
                break;
            }
        }
    }
    let mut heredocs = Vec::new();
    if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
        for (delimiter, strip_tabs) in heredoc_markers(&args.text) {
            let (body, next) = read_heredoc(lines, i, &delimiter, strip_tabs);
            heredocs.push(Heredoc { delimiter, body });
            i = next;
        }
    }
    let instruction = Instruction {
        keyword,
        offset: first.offset + lead,
        args,
        heredocs,
        stage: None,
    };
    (instruction, i)
}

/// The line without its trailing escape character, if it continues.
fn strip_continuation(line: &str, escape: char) -> Option<&str> {
    let t = line.trim_end();
    t.strip_suffix(escape)
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` in the arguments, in order.
fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let bytes = args.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(found) = args.get(i..).and_then(|s| s.find("<<")) {
        let at = i + found;
        i = at + 2;
        if at > 0 && bytes.get(at - 1) == Some(&b'<') || bytes.get(at + 2) == Some(&b'<') {
            continue;
        }
        let mut j = at + 2;
        let strip_tabs = bytes.get(j) == Some(&b'-');
        if strip_tabs {
            j += 1;
        }
        let quote = bytes.get(j).copied().filter(|b| *b == b'"' || *b == b'\'');
        if quote.is_some() {
            j += 1;
        }
        let start = j;
        while bytes
            .get(j)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            j += 1;
        }
        if j > start && bytes.get(start).is_some_and(|b| !b.is_ascii_digit()) {
            out.push((args[start..j].to_string(), strip_tabs));
        }
        i = j.max(i);
    }
    out
}

fn read_heredoc(
    lines: &[Line<'_>],
    mut i: usize,
    delimiter: &str,
    strip_tabs: bool,
) -> (Text, usize) {
    let mut body = Text::default();
    while let Some(line) = lines.get(i) {
        i += 1;
        let candidate = if strip_tabs {
            line.text.trim_start_matches('\t')
        } else {
            line.text
        };
        if candidate == delimiter {
            break;
        }
        body.push(line.text, line.offset);
        body.push("\n", line.offset + line.text.len());
    }
    (body, i)
}

impl Dockerfile {
    fn assign_stages(&mut self) {
        let mut stage: Option<usize> = None;
        let mut stages: Vec<Stage> = Vec::new();
        for idx in 0..self.instructions.len() {
            if self.instructions[idx].keyword == "FROM" {
                if let Some(last) = stages.last_mut() {
                    last.end = idx;
                }
                let (base, name) = from_parts(&self.instructions[idx]);
                let base = self.expand_global(&base);
                stages.push(Stage {
                    name,
                    base,
                    from: idx,
                    end: self.instructions.len(),
                });
                stage = Some(stages.len() - 1);
            }
            self.instructions[idx].stage = stage;
        }
        self.stages = stages;
    }

    /// Substitutes global `ARG` defaults (the only variables `FROM` can use).
    fn expand_global(&self, text: &str) -> String {
        let vars: HashMap<String, String> = self
            .instructions
            .iter()
            .take_while(|i| i.keyword != "FROM")
            .filter(|i| i.keyword == "ARG")
            .flat_map(|i| i.key_values())
            .filter_map(|kv| kv.value.map(|v| (kv.key, v)))
            .collect();
        expand(text, &|name| vars.get(name).cloned())
    }

    /// The stage a `FROM` names, when it is an earlier stage of this file.
    pub fn parent_stage(&self, stage: usize) -> Option<usize> {
        let base = self.stages.get(stage)?.base.to_ascii_lowercase();
        self.stages[..stage]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(base.as_str()))
    }

    /// The stage that becomes the image (the last one).
    pub fn final_stage(&self) -> Option<usize> {
        self.stages.len().checked_sub(1)
    }

    /// Instructions of a stage, with their indices.
    pub fn stage_instructions(&self, stage: usize) -> impl Iterator<Item = (usize, &Instruction)> {
        let range = self.stages.get(stage).map_or(0..0, |s| s.from..s.end);
        self.instructions[range.clone()]
            .iter()
            .enumerate()
            .map(move |(k, i)| (range.start + k, i))
    }

    /// `ARG` and `ENV` values visible just before instruction `at`: global `ARG`
    /// defaults re-declared in the stage, stage `ARG`s, `ENV`s, and what the stage
    /// inherits from an earlier stage it is built `FROM`.
    pub fn vars_at(&self, at: usize) -> HashMap<String, String> {
        self.vars_within(at, 0)
    }

    fn vars_within(&self, at: usize, depth: usize) -> HashMap<String, String> {
        let Some(stage) = self.instructions.get(at).and_then(|i| i.stage) else {
            return self.global_args();
        };
        let mut vars = self
            .parent_stage(stage)
            .filter(|_| depth < MAX_STAGE_CHAIN)
            .and_then(|p| self.stages.get(p))
            .map(|p| self.vars_within(p.end.saturating_sub(1), depth + 1))
            .unwrap_or_default();
        let globals = self.global_args();
        for (idx, ins) in self.stage_instructions(stage) {
            if idx >= at {
                break;
            }
            for kv in ins.key_values_of(&["ARG", "ENV"]) {
                let value = match (kv.value, ins.keyword.as_str()) {
                    (Some(v), _) => Some(expand(&v, &|n| vars.get(n).cloned())),
                    (None, "ARG") => globals.get(&kv.key).cloned(),
                    (None, _) => None,
                };
                if let Some(v) = value {
                    vars.insert(kv.key, v);
                }
            }
        }
        vars
    }

    fn global_args(&self) -> HashMap<String, String> {
        self.instructions
            .iter()
            .take_while(|i| i.keyword != "FROM")
            .flat_map(|i| i.key_values_of(&["ARG"]))
            .filter_map(|kv| kv.value.map(|v| (kv.key, v)))
            .collect()
    }

    /// `text` with the variables visible at instruction `at` substituted.
    pub fn expand_at(&self, at: usize, text: &str) -> String {
        let vars = self.vars_at(at);
        expand(text, &|n| vars.get(n).cloned())
    }
}

fn from_parts(ins: &Instruction) -> (String, Option<String>) {
    let words: Vec<&str> = ins
        .args
        .text
        .split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .collect();
    let base = words.first().map(|s| s.to_string()).unwrap_or_default();
    let name = match words.as_slice() {
        [_, kw, name, ..] if kw.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        _ => None,
    };
    (base, name)
}

impl Instruction {
    /// The leading `--name=value` flags.
    pub fn flags(&self) -> Vec<Flag> {
        self.args
            .text
            .split_whitespace()
            .map_while(|w| w.strip_prefix("--"))
            .map(|f| {
                let (name, value) = f.split_once('=').unwrap_or((f, ""));
                Flag {
                    name: name.to_ascii_lowercase(),
                    value: value.to_string(),
                }
            })
            .collect()
    }

    /// Offset in `args.text` where the arguments after the flags start.
    pub fn rest_start(&self) -> usize {
        let t = &self.args.text;
        let mut at = 0;
        loop {
            let rest = &t[at..];
            let ws = rest.len() - rest.trim_start().len();
            let word_start = at + ws;
            let word = &t[word_start..];
            if !word.starts_with("--") {
                return word_start;
            }
            let end = word.find(char::is_whitespace).unwrap_or(word.len());
            at = word_start + end;
        }
    }

    /// The arguments after the flags.
    pub fn rest(&self) -> &str {
        &self.args.text[self.rest_start()..]
    }

    /// The JSON array of the exec form, if the arguments are one.
    pub fn exec_form(&self) -> Option<Vec<String>> {
        let rest = self.rest().trim();
        if !rest.starts_with('[') {
            return None;
        }
        serde_json::from_str::<Vec<String>>(rest).ok()
    }

    /// The command text of `RUN`/`CMD`/`ENTRYPOINT`: the exec form's words joined,
    /// or the shell form.
    pub fn command_text(&self) -> String {
        match self.exec_form() {
            Some(words) => words.join(" "),
            None => self.rest().to_string(),
        }
    }

    /// File offset of an offset in `args.text`.
    pub fn file_offset(&self, at: usize) -> usize {
        self.args.file_offset(at)
    }

    /// `KEY=value` pairs of `ENV`, `ARG` and `LABEL` (and the legacy `ENV KEY value`).
    pub fn key_values(&self) -> Vec<KeyValue> {
        let start = self.rest_start();
        let rest = &self.args.text[start..];
        let words = split_words(rest);
        let legacy_env = self.keyword == "ENV"
            && words.first().is_some_and(|(w, _)| !w.contains('='))
            && words.len() > 1;
        if legacy_env {
            let (key, at) = words[0].clone();
            let value_start = words[1].1;
            let value = unquote(rest[value_start..].trim_end());
            return vec![KeyValue {
                key,
                value: Some(value),
                at: start + at,
            }];
        }
        words
            .into_iter()
            .map(|(w, at)| match w.split_once('=') {
                Some((k, v)) => KeyValue {
                    key: k.to_string(),
                    value: Some(unquote(v)),
                    at: start + at,
                },
                None => KeyValue {
                    key: w,
                    value: None,
                    at: start + at,
                },
            })
            .collect()
    }

    fn key_values_of(&self, keywords: &[&str]) -> Vec<KeyValue> {
        if keywords.contains(&self.keyword.as_str()) {
            self.key_values()
        } else {
            Vec::new()
        }
    }
}

/// Splits on unquoted whitespace, keeping quotes (removed later by `unquote`).
fn split_words(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = None;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if start.is_none() && !c.is_whitespace() {
            start = Some(i);
        }
        if escaped {
            escaped = false;
        } else if c == '\\' && quote != Some('\'') {
            escaped = true;
        } else if Some(c) == quote {
            quote = None;
        } else if quote.is_none() && (c == '"' || c == '\'') {
            quote = Some(c);
        } else if quote.is_none() && c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((std::mem::take(&mut current), s));
            }
            continue;
        }
        if start.is_some() {
            current.push(c);
        }
    }
    if let Some(s) = start {
        out.push((current, s));
    }
    out
}

/// Removes one level of shell-style quoting and backslash escapes.
pub fn unquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', Some('\'')) => out.push(c),
            ('\\', _) => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (q, None) if q == '"' || q == '\'' => quote = Some(q),
            (q, Some(open)) if q == open => quote = None,
            _ => out.push(c),
        }
    }
    out
}

/// Substitutes `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}` and
/// `${NAME:+alt}`; unknown variables stay as written.
pub fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            let Some(close) = inner.find('}') else {
                out.push_str(&rest[i..]);
                return out;
            };
            out.push_str(&braced(&inner[..close], lookup));
            rest = &inner[close + 1..];
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            let name = &after[..n];
            match lookup(name).filter(|_| !name.is_empty()) {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('$');
                    out.push_str(name);
                }
            }
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    out
}

fn braced(inner: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let n = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, op) = inner.split_at(n);
    let value = lookup(name);
    let alt = |prefix: &str| op.strip_prefix(prefix).map(str::to_string);
    if let Some(default) = alt(":-").or_else(|| alt("-")) {
        return value.filter(|v| !v.is_empty()).unwrap_or(default);
    }
    if let Some(word) = alt(":+").or_else(|| alt("+")) {
        return value
            .filter(|v| !v.is_empty())
            .map(|_| word)
            .unwrap_or_default();
    }
    value.unwrap_or_else(|| format!("${{{inner}}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuations_comments_and_positions() {
        let src = "FROM python:3.12 AS base\nRUN apt-get update && \\\n    # a comment\n\n    apt-get install -y curl\nUSER app\n";
        let df = parse(src);
        assert_eq!(df.instructions.len(), 3);
        let run = &df.instructions[1];
        assert_eq!(run.keyword, "RUN");
        assert!(run
            .args
            .text
            .contains("apt-get update &&     apt-get install -y curl"));
        let at = run.args.text.find("install").expect("install");
        let off = run.file_offset(at);
        assert_eq!(&src[off..off + 7], "install");
        assert_eq!(df.stages[0].name.as_deref(), Some("base"));
    }

    #[test]
    fn escape_directive() {
        let df = parse("# escape=`\nFROM x\nRUN a `\n  b\n");
        assert_eq!(df.instructions[1].args.text, "a   b");
    }

    #[test]
    fn heredocs() {
        let src = "FROM x\nRUN <<EOF bash\nset -x\ncurl -k https://e\nEOF\nCOPY <<-'A' /a <<B /b\n\tone\n\tA\ntwo\nB\nUSER 1000\n";
        let df = parse(src);
        let kws: Vec<&str> = df.instructions.iter().map(|i| i.keyword.as_str()).collect();
        assert_eq!(kws, ["FROM", "RUN", "COPY", "USER"]);
        let h = &df.instructions[1].heredocs[0];
        assert_eq!(h.delimiter, "EOF");
        assert_eq!(h.body.text, "set -x\ncurl -k https://e\n");
        let at = h.body.text.find("curl").expect("curl");
        assert_eq!(&src[h.body.file_offset(at)..][..4], "curl");
        assert_eq!(df.instructions[2].heredocs.len(), 2);
        assert_eq!(df.instructions[2].heredocs[1].body.text, "two\n");
    }

    #[test]
    fn args_env_and_substitution() {
        let src = "ARG BASE=python:3.12\nARG APP_USER=root\nFROM ${BASE} AS build\nARG APP_USER\nENV HOME=/home/${APP_USER} X=\"a b\"\nENV LEGACY some value\nUSER ${APP_USER:-nobody}\nFROM build\nUSER $NOPE\n";
        let df = parse(src);
        assert_eq!(df.stages[0].base, "python:3.12");
        assert_eq!(df.parent_stage(1), Some(0));
        let user = df
            .instructions
            .iter()
            .position(|i| i.keyword == "USER")
            .expect("user");
        assert_eq!(df.expand_at(user, "${APP_USER:-nobody}"), "root");
        let vars = df.vars_at(user);
        assert_eq!(vars.get("HOME").map(String::as_str), Some("/home/root"));
        assert_eq!(vars.get("X").map(String::as_str), Some("a b"));
        assert_eq!(vars.get("LEGACY").map(String::as_str), Some("some value"));
        assert_eq!(df.expand_at(df.instructions.len() - 1, "$NOPE"), "$NOPE");
        assert_eq!(
            df.vars_at(df.instructions.len() - 1)
                .get("APP_USER")
                .map(String::as_str),
            Some("root")
        );
    }

    #[test]
    fn exec_form_and_flags() {
        let df = parse("FROM x\nRUN --mount=type=secret,id=t --network=none cat /run/secrets/t\nCMD [\"python\", \"manage.py\", \"runserver\"]\n");
        let run = &df.instructions[1];
        assert_eq!(run.flags()[0].name, "mount");
        assert_eq!(run.flags()[0].value, "type=secret,id=t");
        assert_eq!(run.rest(), "cat /run/secrets/t");
        assert_eq!(
            df.instructions[2].exec_form(),
            Some(vec![
                "python".into(),
                "manage.py".into(),
                "runserver".into()
            ])
        );
    }
}
