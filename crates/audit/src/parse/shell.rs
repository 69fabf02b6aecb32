//! A POSIX-shell reader for entrypoints and `RUN` lines: words with quote removal and
//! offsets, simple commands split on `;`, `&`, `&&`, `||`, `|` and newlines, pipelines,
//! redirections, here-documents, comments, line continuations, and the commands inside
//! `$(…)`, backticks and `<(…)` (marked `nested`). Reserved words (`if`, `then`, `do`,
//! …) are stripped so `if x; then curl … | sh; fi` yields the `curl` command.
//!
//! It reads, it does not evaluate: variables stay as written.

/// Deepest `$(…)` nesting followed.
const MAX_NESTING: usize = 16;

/// One shell word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// As written.
    pub raw: String,
    /// Quotes and escapes removed; `$VAR` and `$(…)` kept as written.
    pub value: String,
    /// Byte range in the parsed text (plus the base offset given to [`parse`]).
    pub start: usize,
    pub end: usize,
}

/// A redirection: `>`, `>>`, `<`, `2>&1`, `<<EOF`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub op: String,
    pub target: Option<Word>,
}

/// One simple command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// `NAME=value` words before the command name.
    pub assignments: Vec<Word>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    /// Its output goes into a pipe (`a | b`: true for `a`).
    pub piped_to_next: bool,
    /// It reads a pipe (`a | b`: true for `b`).
    pub piped_from_prev: bool,
    /// It runs inside `$(…)`, backticks or `<(…)`.
    pub nested: bool,
}

/// A parsed script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// The `#!` line, if any.
    pub shebang: Option<String>,
    pub commands: Vec<Command>,
}

/// Parses `text`; offsets in the result are `base + offset in text`.
pub fn parse(text: &str, base: usize) -> Script {
    let shebang = text
        .lines()
        .next()
        .filter(|l| l.starts_with("#!"))
        .map(str::to_string);
    let mut commands = Vec::new();
    Lexer {
        text,
        base,
        depth: 0,
        nested: false,
    }
    .run(&mut commands);
    Script { shebang, commands }
}

struct Lexer<'a> {
    text: &'a str,
    base: usize,
    depth: usize,
    nested: bool,
}

#[derive(Default)]
struct Builder {
    current: Command,
    heredocs: Vec<(String, bool)>,
    piped_from_prev: bool,
}

impl Builder {
    fn finish(&mut self, out: &mut Vec<Command>, piped: bool, nested: bool) {
        let mut cmd = std::mem::take(&mut self.current);
        cmd.piped_to_next = piped;
        cmd.piped_from_prev = self.piped_from_prev;
        cmd.nested = nested;
        self.piped_from_prev = piped;
        split_assignments(&mut cmd);
        strip_reserved(&mut cmd);
        if !cmd.words.is_empty() || !cmd.assignments.is_empty() || !cmd.redirects.is_empty() {
            out.push(cmd);
        }
    }
}

fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

impl Lexer<'_> {
    fn byte(&self, i: usize) -> Option<u8> {
        self.text.as_bytes().get(i).copied()
    }

    fn run(&self, out: &mut Vec<Command>) {
        let mut b = Builder::default();
        let mut i = 0;
        while let Some(c) = self.byte(i) {
            i = match c {
                b' ' | b'\t' | b'\r' => i + 1,
                b'\\' if self.byte(i + 1) == Some(b'\n') => i + 2,
                b'\n' => {
                    b.finish(out, false, self.nested);
                    b.piped_from_prev = false;
                    let heredocs = std::mem::take(&mut b.heredocs);
                    self.skip_heredocs(i + 1, &heredocs)
                }
                b'#' => self.skip_comment(i),
                b';' | b'&' | b'|' | b'(' | b')' => self.operator(i, c, &mut b, out),
                b'<' | b'>' => self.redirect_or_substitution(i, &mut b, out),
                _ => self.word_or_fd(i, &mut b, out),
            };
        }
        b.finish(out, false, self.nested);
    }

    fn skip_comment(&self, i: usize) -> usize {
        self.text[i..].find('\n').map_or(self.text.len(), |n| i + n)
    }

    fn operator(&self, i: usize, c: u8, b: &mut Builder, out: &mut Vec<Command>) -> usize {
        let next = self.byte(i + 1);
        match (c, next) {
            (b'&', Some(b'>')) => self.redirect_or_substitution(i, b, out),
            (b'|', Some(b'|')) | (b'&', Some(b'&')) | (b';', Some(b';')) => {
                b.finish(out, false, self.nested);
                b.piped_from_prev = false;
                i + 2
            }
            (b'|', Some(b'&')) => {
                b.finish(out, true, self.nested);
                i + 2
            }
            (b'|', _) => {
                b.finish(out, true, self.nested);
                i + 1
            }
            _ => {
                b.finish(out, false, self.nested);
                b.piped_from_prev = false;
                i + 1
            }
        }
    }

    fn skip_heredocs(&self, mut i: usize, heredocs: &[(String, bool)]) -> usize {
        for (delim, strip_tabs) in heredocs {
            while i < self.text.len() {
                let end = self.text[i..].find('\n').map_or(self.text.len(), |n| i + n);
                let line = self.text[i..end].trim_end_matches('\r');
                let line = if *strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                i = (end + 1).min(self.text.len());
                if line == delim {
                    break;
                }
            }
        }
        i
    }

    fn redirect_or_substitution(&self, i: usize, b: &mut Builder, out: &mut Vec<Command>) -> usize {
        if matches!(self.byte(i), Some(b'<' | b'>')) && self.byte(i + 1) == Some(b'(') {
            let (word, next) = self.read_word(i, out);
            b.current.words.push(word);
            return next;
        }
        let op_end = self.op_end(i);
        let op = self.text[i..op_end].to_string();
        let mut j = op_end;
        while matches!(self.byte(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        let duplicates_fd = op.ends_with('&')
            && self
                .byte(j)
                .is_some_and(|c| c.is_ascii_digit() || c == b'-');
        let target = match self.byte(j) {
            Some(c) if !is_meta(c) || duplicates_fd => {
                let (w, next) = self.read_word(j, out);
                j = next;
                Some(w)
            }
            _ => None,
        };
        if op == "<<" || op == "<<-" {
            if let Some(t) = &target {
                b.heredocs.push((t.value.clone(), op == "<<-"));
            }
        }
        b.current.redirects.push(Redirect { op, target });
        j
    }

    fn op_end(&self, i: usize) -> usize {
        let rest = &self.text[i..];
        for op in [
            "<<<", "<<-", "&>>", "<<", ">>", ">&", "<&", ">|", "<>", "&>", "<", ">",
        ] {
            if rest.starts_with(op) {
                return i + op.len();
            }
        }
        i + 1
    }

    fn word_or_fd(&self, i: usize, b: &mut Builder, out: &mut Vec<Command>) -> usize {
        let (word, next) = self.read_word(i, out);
        let is_fd = !word.raw.is_empty()
            && word.raw.bytes().all(|c| c.is_ascii_digit())
            && matches!(self.byte(next), Some(b'<' | b'>'));
        if is_fd {
            return next;
        }
        if next == i {
            return i + 1;
        }
        b.current.words.push(word);
        next
    }

    /// Reads one word starting at `i`; nested commands go to `out`.
    fn read_word(&self, start: usize, out: &mut Vec<Command>) -> (Word, usize) {
        let mut value = String::new();
        let mut i = start;
        if matches!(self.byte(i), Some(b'<' | b'>')) && self.byte(i + 1) == Some(b'(') {
            let close = self.matching(i + 1, b'(', b')');
            self.nested_parse(i + 2, close, out);
            i = (close + 1).min(self.text.len());
            value.push_str(&self.text[start..i]);
        }
        while let Some(c) = self.byte(i) {
            if is_meta(c) {
                break;
            }
            i = match c {
                b'\\' => self.escape(i, &mut value),
                b'\'' => {
                    let end = self.text[i + 1..]
                        .find('\'')
                        .map_or(self.text.len(), |n| i + 1 + n);
                    value.push_str(&self.text[i + 1..end]);
                    (end + 1).min(self.text.len())
                }
                b'"' => self.double_quoted(i, &mut value, out),
                b'$' => self.dollar(i, &mut value, out),
                b'`' => self.backtick(i, &mut value, out),
                _ => self.plain(i, &mut value),
            };
        }
        let word = Word {
            raw: self.text[start..i].to_string(),
            value,
            start: self.base + start,
            end: self.base + i,
        };
        (word, i)
    }

    fn plain(&self, i: usize, value: &mut String) -> usize {
        let ch = self.text[i..].chars().next().map_or(1, char::len_utf8);
        value.push_str(&self.text[i..i + ch]);
        i + ch
    }

    fn escape(&self, i: usize, value: &mut String) -> usize {
        match self.text[i + 1..].chars().next() {
            Some('\n') => i + 2,
            Some(c) => {
                value.push(c);
                i + 1 + c.len_utf8()
            }
            None => i + 1,
        }
    }

    fn double_quoted(&self, start: usize, value: &mut String, out: &mut Vec<Command>) -> usize {
        let mut i = start + 1;
        while let Some(c) = self.byte(i) {
            i = match c {
                b'"' => return i + 1,
                b'\\' => match self.byte(i + 1) {
                    Some(b'$' | b'`' | b'"' | b'\\') => {
                        value.push(char::from(self.byte(i + 1).unwrap_or(b'\\')));
                        i + 2
                    }
                    Some(b'\n') => i + 2,
                    _ => {
                        value.push('\\');
                        i + 1
                    }
                },
                b'$' => self.dollar(i, value, out),
                b'`' => self.backtick(i, value, out),
                _ => self.plain(i, value),
            };
        }
        i
    }

    fn dollar(&self, i: usize, value: &mut String, out: &mut Vec<Command>) -> usize {
        let end = match self.byte(i + 1) {
            Some(b'(') if self.byte(i + 2) == Some(b'(') => self.matching(i + 1, b'(', b')') + 1,
            Some(b'(') => {
                let close = self.matching(i + 1, b'(', b')');
                self.nested_parse(i + 2, close, out);
                close + 1
            }
            Some(b'{') => self.matching(i + 1, b'{', b'}') + 1,
            _ => {
                value.push('$');
                return i + 1;
            }
        };
        let end = end.min(self.text.len());
        value.push_str(&self.text[i..end]);
        end
    }

    fn backtick(&self, i: usize, value: &mut String, out: &mut Vec<Command>) -> usize {
        let mut j = i + 1;
        while let Some(c) = self.byte(j) {
            match c {
                b'\\' => j += 2,
                b'`' => break,
                _ => j += 1,
            }
        }
        let close = j.min(self.text.len());
        self.nested_parse(i + 1, close, out);
        let end = (close + 1).min(self.text.len());
        value.push_str(&self.text[i..end]);
        end
    }

    /// Index of the bracket closing the one at `open` (or the end of the text).
    fn matching(&self, open: usize, left: u8, right: u8) -> usize {
        let mut depth = 0usize;
        let mut i = open;
        let mut quote: Option<u8> = None;
        while let Some(c) = self.byte(i) {
            match (c, quote) {
                (b'\\', q) if q != Some(b'\'') => i += 1,
                (b'\'' | b'"', None) => quote = Some(c),
                (q, Some(open_q)) if q == open_q => quote = None,
                (_, Some(_)) => {}
                (c, None) if c == left => depth += 1,
                (c, None) if c == right => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.text.len()
    }

    fn nested_parse(&self, start: usize, end: usize, out: &mut Vec<Command>) {
        if self.depth >= MAX_NESTING {
            return;
        }
        let Some(inner) = self.text.get(start..end.min(self.text.len())) else {
            return;
        };
        let lexer = Lexer {
            text: inner,
            base: self.base + start,
            depth: self.depth + 1,
            nested: true,
        };
        lexer.run(out);
    }
}

fn is_assignment(word: &Word) -> bool {
    let Some((name, _)) = word.raw.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn split_assignments(cmd: &mut Command) {
    let n = cmd.words.iter().take_while(|w| is_assignment(w)).count();
    cmd.assignments = cmd.words.drain(..n).collect();
}

const OPENERS: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
];
const CLOSERS: &[&str] = &["fi", "done", "esac", "}", "in"];
const COMPOUND: &[&str] = &["for", "case", "select", "function"];

fn strip_reserved(cmd: &mut Command) {
    loop {
        let Some(first) = cmd.words.first() else {
            return;
        };
        let v = first.raw.as_str();
        if COMPOUND.contains(&v) {
            cmd.words.clear();
            return;
        }
        if OPENERS.contains(&v) || CLOSERS.contains(&v) {
            cmd.words.remove(0);
            if cmd.assignments.is_empty() {
                split_assignments(cmd);
            }
            continue;
        }
        return;
    }
}

/// Wrappers that run the next word as the command.
const WRAPPERS: &[&str] = &[
    "exec", "nohup", "command", "builtin", "time", "nice", "stdbuf", "eval",
];

impl Command {
    /// The command name without its directory (`/usr/bin/curl` → `curl`).
    pub fn name(&self) -> Option<&str> {
        self.words.first().map(|w| basename(&w.value))
    }

    /// The command that actually runs, past `sudo`, `exec`, `env VAR=x`, `gosu user`,
    /// `su-exec user`, `nohup`: its words, name first.
    pub fn effective(&self) -> &[Word] {
        let mut words: &[Word] = &self.words;
        for _ in 0..8 {
            let Some(first) = words.first() else { break };
            let name = basename(&first.value);
            let skip = match name {
                n if WRAPPERS.contains(&n) => 1,
                "sudo" | "doas" => 1 + option_words(&words[1..], &["-u", "-g", "-C", "-h", "-p"]),
                "runuser" | "setpriv" => 1 + option_words(&words[1..], &["-u", "-g", "-G", "-l"]),
                "env" => {
                    1 + words[1..]
                        .iter()
                        .take_while(|w| w.value.starts_with('-') || w.value.contains('='))
                        .count()
                }
                "gosu" | "su-exec" | "chpst" | "s6-setuidgid" => 2,
                _ => 0,
            };
            if skip == 0 || skip >= words.len() {
                break;
            }
            words = &words[skip..];
        }
        words
    }

    /// The effective command's name.
    pub fn effective_name(&self) -> Option<&str> {
        self.effective().first().map(|w| basename(&w.value))
    }

    /// Whether any word (after the name) has exactly this value.
    pub fn has_arg(&self, arg: &str) -> bool {
        self.effective().iter().skip(1).any(|w| w.value == arg)
    }

    /// Offset of the first word, or of the first assignment.
    pub fn start(&self) -> usize {
        self.assignments
            .first()
            .or(self.words.first())
            .map_or(0, |w| w.start)
    }

    /// Whether standard output goes to a file other than the terminal or a log.
    pub fn stdout_to_file(&self) -> bool {
        self.redirects.iter().any(|r| {
            (r.op == ">" || r.op == ">>" || r.op == ">|" || r.op == "&>")
                && r.target.as_ref().is_some_and(|t| {
                    !t.value.starts_with("/dev/std")
                        && !t.value.starts_with("/proc/1/fd/")
                        && !t.value.ends_with(".log")
                })
        })
    }
}

/// Counts leading option words, including the value word of options in `with_value`.
fn option_words(words: &[Word], with_value: &[&str]) -> usize {
    let mut n = 0;
    while let Some(w) = words.get(n) {
        if !w.value.starts_with('-') {
            break;
        }
        n += if with_value.contains(&w.value.as_str()) {
            2
        } else {
            1
        };
        if w.value == "--" {
            break;
        }
    }
    n.min(words.len())
}

pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(script: &Script) -> Vec<String> {
        script
            .commands
            .iter()
            .map(|c| c.effective_name().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn commands_pipes_and_quotes() {
        let s = parse(
            "#!/bin/sh -e\nset -x # trace\ncurl -fsSL 'https://x/y' | sh\necho \"a b\" && exit 1\n",
            0,
        );
        assert_eq!(s.shebang.as_deref(), Some("#!/bin/sh -e"));
        assert_eq!(names(&s), ["set", "curl", "sh", "echo", "exit"]);
        assert!(s.commands[1].piped_to_next && s.commands[2].piped_from_prev);
        assert_eq!(s.commands[1].words[2].value, "https://x/y");
        assert_eq!(s.commands[3].words[1].value, "a b");
    }

    #[test]
    fn reserved_words_assignments_and_wrappers() {
        let s = parse("if [ -n \"$X\" ]; then\n  DEBUG=1 exec sudo -u app gosu app gunicorn app\nfi\nfor i in 1 2; do echo $i; done\n", 0);
        assert_eq!(names(&s), ["[", "gunicorn", "echo"]);
        assert_eq!(s.commands[1].assignments[0].value, "DEBUG=1");
        assert_eq!(s.commands[1].name(), Some("exec"));
    }

    #[test]
    fn nested_substitutions_and_heredocs() {
        let text = "eval \"$(curl -s https://x)\"\nbash <(wget -qO- https://y)\ncat <<EOF > /tmp/x\ncurl -k inside-heredoc\nEOF\nX=`printenv`\n";
        let s = parse(text, 100);
        let all = names(&s);
        assert!(all.contains(&"curl".to_string()), "{all:?}");
        assert!(all.contains(&"wget".to_string()), "{all:?}");
        assert!(all.contains(&"printenv".to_string()), "{all:?}");
        assert_eq!(
            all.iter().filter(|n| *n == "curl").count(),
            1,
            "heredoc body skipped: {all:?}"
        );
        let curl = s
            .commands
            .iter()
            .find(|c| c.name() == Some("curl"))
            .expect("curl");
        assert!(curl.nested);
        assert_eq!(
            &text[curl.words[0].start - 100..curl.words[0].end - 100],
            "curl"
        );
    }

    #[test]
    fn redirects_and_fds() {
        let s = parse("echo $TOKEN 2>&1 >/proc/1/fd/1\nprintenv > /tmp/env\n", 0);
        assert_eq!(s.commands[0].words.len(), 2);
        assert_eq!(s.commands[0].redirects.len(), 2);
        assert!(!s.commands[0].stdout_to_file());
        assert!(s.commands[1].stdout_to_file());
    }

    #[test]
    fn continuation() {
        let s = parse("apt-get install \\\n  sudo curl\n", 0);
        assert_eq!(s.commands.len(), 1);
        assert_eq!(s.commands[0].words.len(), 4);
    }
}
