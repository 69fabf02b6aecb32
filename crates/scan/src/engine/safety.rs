//! The state-changing route gate: in the default (read-only) profile no request,
//! whatever its method, goes to a route whose name says it changes state.
//!
//! HTTP says GET is safe; real APIs disagree (`GET /admin/reseed`, `GET /logout`,
//! `GET /jobs/7/run`). The engine asks [`Gate::refusal`] before every request and every
//! redirect hop; what it refuses is recorded for the report's coverage section, and
//! INV-008 reports the routes themselves. The words are data
//! (`engine/state_words.toml`, with examples the tests run).

use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, OnceLock, RwLock};
use tollgate_core::{HttpMethod, Severity};
use tollgate_spec::{Method, Operation};
use url::Url;

const WORDS_TOML: &str = include_str!("state_words.toml");

/// Entries kept in the skip list; more are counted, not kept.
const MAX_SKIPPED: usize = 500;

/// How bad the named action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ActionClass {
    /// Ends a session (`logout`).
    Session,
    /// Changes data (`delete`, `reset`, `import`).
    Modifying,
    /// Destroys or rebuilds data or the service (`drop`, `reseed`, `shutdown`).
    Destructive,
}

impl ActionClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionClass::Session => "session",
            ActionClass::Modifying => "modifying",
            ActionClass::Destructive => "destructive",
        }
    }
}

/// Where the name of an action was found, and which action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateHit {
    /// The word as written (`reseed`, `resetDatabase`, `Drop`).
    pub word: String,
    pub class: ActionClass,
    /// Where: "path segment `reseed`", "operationId `resetDatabase`", "summary
    /// \"Drop and re-seed the database\"".
    pub source: String,
}

impl StateHit {
    /// The severity the word list gives the class.
    pub fn severity(&self) -> Severity {
        words().severity(self.class)
    }

    /// "its path segment `reseed` names a destructive action".
    pub fn reason(&self) -> String {
        format!("its {} names a {} action", self.source, self.class.as_str())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WordsFile {
    class: Vec<ClassEntry>,
    tails: Vec<String>,
    heads: Vec<String>,
    destructive_phrases: Vec<[String; 2]>,
    #[allow(dead_code)]
    examples: Vec<String>,
    #[allow(dead_code)]
    negative_examples: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassEntry {
    name: String,
    severity: Severity,
    actions: Vec<String>,
}

/// The word list, loaded once.
pub struct StateWords {
    actions: BTreeMap<String, ActionClass>,
    severities: BTreeMap<ActionClass, Severity>,
    tails: HashSet<String>,
    heads: HashSet<String>,
    phrases: HashSet<(String, String)>,
}

/// The built-in word list. The file is compiled in and checked by a test, so failing
/// to read it is a build defect, reported loudly by every test.
pub fn words() -> &'static StateWords {
    static WORDS: OnceLock<StateWords> = OnceLock::new();
    WORDS.get_or_init(|| match StateWords::parse(WORDS_TOML) {
        Ok(w) => w,
        Err(e) => {
            tracing::error!("state_words.toml is invalid: {e}");
            StateWords::empty()
        }
    })
}

/// File extensions of static assets: a stylesheet called `reset.css` resets nothing.
const STATIC_EXTENSIONS: &[&str] = &[
    "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "woff", "woff2",
    "ttf", "eot", "txt", "html", "htm", "md", "pdf",
];

impl StateWords {
    fn empty() -> StateWords {
        StateWords {
            actions: BTreeMap::new(),
            severities: BTreeMap::new(),
            tails: HashSet::new(),
            heads: HashSet::new(),
            phrases: HashSet::new(),
        }
    }

    fn parse(text: &str) -> Result<StateWords, String> {
        let file: WordsFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut words = StateWords::empty();
        for class in file.class {
            let c = match class.name.as_str() {
                "session" => ActionClass::Session,
                "modifying" => ActionClass::Modifying,
                "destructive" => ActionClass::Destructive,
                other => return Err(format!("unknown class `{other}`")),
            };
            words.severities.insert(c, class.severity);
            for a in class.actions {
                check_word(&a)?;
                if words.actions.insert(a.clone(), c).is_some() {
                    return Err(format!("`{a}` is listed twice"));
                }
            }
        }
        for w in file.tails.iter().chain(&file.heads) {
            check_word(w)?;
        }
        words.tails = file.tails.into_iter().collect();
        words.heads = file.heads.into_iter().collect();
        words.phrases = file
            .destructive_phrases
            .into_iter()
            .map(|[a, b]| (a, b))
            .collect();
        Ok(words)
    }

    fn severity(&self, class: ActionClass) -> Severity {
        self.severities
            .get(&class)
            .copied()
            .unwrap_or(Severity::Medium)
    }

    /// The action a path names, if any. Query strings are not looked at.
    pub fn in_path(&self, path: &str) -> Option<StateHit> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if let Some(last) = segments.last() {
            if let Some((_, ext)) = last.rsplit_once('.') {
                if STATIC_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) {
                    return None;
                }
            }
        }
        let mut best: Option<StateHit> = None;
        for seg in segments {
            if seg.starts_with('{') {
                continue;
            }
            let decoded = percent_decode(seg);
            if let Some(class) = self.in_identifier(&decoded) {
                keep_worst(
                    &mut best,
                    StateHit {
                        word: decoded.clone(),
                        class,
                        source: format!("path segment `{decoded}`"),
                    },
                );
            }
        }
        best
    }

    /// The action an operation's id, summary or description names, if any.
    pub fn in_operation(&self, op: &Operation) -> Option<StateHit> {
        let mut best = self.in_path(&op.path);
        if let Some(id) = &op.operation_id {
            if let Some(class) = self.in_identifier(id) {
                keep_worst(
                    &mut best,
                    StateHit {
                        word: id.clone(),
                        class,
                        source: format!("operationId `{id}`"),
                    },
                );
            }
        }
        for (label, text) in [("summary", &op.summary), ("description", &op.description)] {
            let Some(text) = text else { continue };
            if let Some((word, class)) = self.in_prose(text) {
                keep_worst(
                    &mut best,
                    StateHit {
                        word,
                        class,
                        source: format!("{label} \"{}\"", excerpt(text)),
                    },
                );
            }
        }
        best
    }

    /// An identifier (path segment, operationId): every word, glued words and phrases.
    fn in_identifier(&self, ident: &str) -> Option<ActionClass> {
        let parts = split_identifier(ident);
        let mut best = None;
        for (i, w) in parts.iter().enumerate() {
            let mut class = self.word_class(w);
            if let Some(next) = parts.get(i + 1) {
                // `sign-out`, `flush-all`: the two words glued are one action.
                class = class.max(self.word_class(&format!("{w}{next}")));
                if self.phrases.contains(&(w.clone(), next.clone())) {
                    class = Some(ActionClass::Destructive);
                }
            }
            best = best.max(class);
        }
        best
    }

    /// One lower-case word: an action, `re` + an action, or an action glued to a
    /// listed head or tail.
    fn word_class(&self, w: &str) -> Option<ActionClass> {
        if let Some(c) = self.actions.get(w) {
            return Some(*c);
        }
        if let Some(rest) = w.strip_prefix("re") {
            if let Some(c) = self.actions.get(rest) {
                return Some(*c);
            }
        }
        for (action, class) in &self.actions {
            if let Some(tail) = w.strip_prefix(action.as_str()) {
                if self.tails.contains(tail) {
                    return Some(*class);
                }
            }
            if let Some(head) = w.strip_suffix(action.as_str()) {
                if self.heads.contains(head) {
                    return Some(*class);
                }
            }
        }
        None
    }

    /// Prose: the leading word of each sentence or clause, in its base, -s/-es or -ing
    /// form; and the destructive phrases anywhere in a clause's first two words.
    fn in_prose(&self, text: &str) -> Option<(String, ActionClass)> {
        let mut best: Option<(String, ActionClass)> = None;
        for clause in clauses(text) {
            let words: Vec<String> = clause
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .filter(|w| !w.is_empty())
                .map(|w| w.to_ascii_lowercase().replace("re-", "re"))
                .collect();
            let Some(first) = words.first() else { continue };
            let mut class = self.verb_class(first);
            if let Some(second) = words.get(1) {
                if let Some(base) = self.base_of(first) {
                    if self.phrases.contains(&(base, second.clone())) {
                        class = Some(ActionClass::Destructive);
                    }
                }
            }
            if let Some(c) = class {
                if best.as_ref().is_none_or(|(_, b)| c > *b) {
                    best = Some((first.clone(), c));
                }
            }
        }
        best
    }

    fn verb_class(&self, word: &str) -> Option<ActionClass> {
        let base = self.base_of(word)?;
        self.word_class(&base)
    }

    /// The base form of a verb in base, -s, -es or -ing form whose base (or `re` +
    /// base) is listed: `deletes` → `delete`, `dropping` → `drop`, `purging` → `purge`.
    fn base_of(&self, word: &str) -> Option<String> {
        let known = |w: &str| self.word_class(w).is_some();
        let w = word.replace('-', "");
        if known(&w) {
            return Some(w);
        }
        let mut candidates: Vec<String> = Vec::new();
        if let Some(s) = w.strip_suffix("es") {
            candidates.push(s.to_string());
        }
        if let Some(s) = w.strip_suffix('s') {
            candidates.push(s.to_string());
        }
        if let Some(s) = w.strip_suffix("ing") {
            candidates.push(s.to_string());
            candidates.push(format!("{s}e"));
            let b = s.as_bytes();
            if b.len() >= 2 && b[b.len() - 1] == b[b.len() - 2] {
                candidates.push(s[..s.len() - 1].to_string());
            }
        }
        candidates.into_iter().find(|c| known(c))
    }
}

fn check_word(w: &str) -> Result<(), String> {
    if w.is_empty() || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(format!("`{w}` is not a lower-case ASCII word"));
    }
    Ok(())
}

fn keep_worst(best: &mut Option<StateHit>, hit: StateHit) {
    if best.as_ref().is_none_or(|b| hit.class > b.class) {
        *best = Some(hit);
    }
}

/// Lower-case words of an identifier, cut at punctuation and camelCase boundaries
/// (`resetDatabase` → reset, database; `HTTPServerReset` → httpserver, reset).
fn split_identifier(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in ident.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut cur = String::new();
        let mut prev_lower = false;
        for c in chunk.chars() {
            if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            cur.push(c.to_ascii_lowercase());
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// Sentences and clauses: cut at `.;:!?`, line breaks, and the words and/then/or.
fn clauses(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sentence in text.split(['.', ';', ':', '!', '?', '\n', '(', ')']) {
        let mut cur: Vec<&str> = Vec::new();
        for w in sentence.split_whitespace() {
            if ["and", "then", "or", "&"].contains(&w.to_ascii_lowercase().as_str()) {
                out.push(cur.join(" "));
                cur.clear();
            } else {
                cur.push(w);
            }
        }
        out.push(cur.join(" "));
    }
    out.retain(|c| !c.trim().is_empty());
    out
}

fn excerpt(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 80 {
        one_line
    } else {
        let cut: String = one_line.chars().take(77).collect();
        format!("{cut}…")
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map_or_else(|| s.to_string(), |(_, v)| v.into_owned())
}

/// A request the gate refused: what, where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRoute {
    pub method: HttpMethod,
    /// Scheme, host and path: the query string is dropped (it may hold secrets).
    pub url: String,
    pub hit: StateHit,
    /// Who asked: the discovery crawl, the spec exercise, or a check's id.
    pub origin: String,
}

/// An operation of the API document whose name says it changes state.
#[derive(Debug, Clone)]
struct SpecRule {
    method: Method,
    op: Operation,
    hit: StateHit,
}

/// Refused requests by URL and method, and how many more were not kept.
type SkipList = (BTreeMap<(String, HttpMethod), SkippedRoute>, u64);

/// The gate the engine consults. Word hits on the path need nothing else; the API
/// document's operations join once it is known ([`Gate::learn_spec`]).
#[derive(Default)]
pub struct Gate {
    rules: RwLock<Option<(String, Vec<SpecRule>)>>,
    skipped: Mutex<SkipList>,
}

impl Gate {
    /// Learns the document's state-changing operations. `base_path` is the servers'
    /// base path (`/api`), removed from a URL before matching a template.
    pub fn learn_spec(&self, base_path: &str, operations: &[Operation]) {
        let rules: Vec<SpecRule> = operations
            .iter()
            .filter_map(|op| {
                words().in_operation(op).map(|hit| SpecRule {
                    method: op.method,
                    op: op.clone(),
                    hit,
                })
            })
            .collect();
        if let Ok(mut g) = self.rules.write() {
            *g = Some((base_path.trim_end_matches('/').to_string(), rules));
        }
    }

    /// Why a request must not be sent in the read-only profile, if it must not.
    pub fn refusal(&self, method: HttpMethod, url: &Url) -> Option<StateHit> {
        if let Some(hit) = words().in_path(url.path()) {
            return Some(hit);
        }
        // HEAD runs the GET handler in most frameworks.
        let spec_method = match method {
            HttpMethod::Get | HttpMethod::Head => Method::Get,
            HttpMethod::Options => Method::Options,
            HttpMethod::Trace => Method::Trace,
            _ => return None,
        };
        let guard = self.rules.read().ok()?;
        let (base, rules) = guard.as_ref()?;
        let rest = url.path().strip_prefix(base.as_str())?;
        let rest = if rest.is_empty() { "/" } else { rest };
        rules
            .iter()
            .find(|r| r.method == spec_method && r.op.matches_path(rest))
            .map(|r| r.hit.clone())
    }

    /// Records a refused request (once per method and URL).
    pub fn record(&self, method: HttpMethod, url: &Url, hit: StateHit, origin: &str) {
        let mut clean = url.clone();
        clean.set_query(None);
        clean.set_fragment(None);
        let _ = clean.set_username("");
        let _ = clean.set_password(None);
        let key = (clean.to_string(), method);
        if let Ok(mut g) = self.skipped.lock() {
            let (map, dropped) = &mut *g;
            if map.contains_key(&key) {
                return;
            }
            if map.len() >= MAX_SKIPPED {
                *dropped += 1;
                return;
            }
            map.insert(
                key,
                SkippedRoute {
                    method,
                    url: clean.to_string(),
                    hit,
                    origin: origin.to_string(),
                },
            );
        }
    }

    /// Every refused request, sorted by URL and method, and how many more were not kept.
    pub fn skipped(&self) -> (Vec<SkippedRoute>, u64) {
        self.skipped
            .lock()
            .map(|g| (g.0.values().cloned().collect(), g.1))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> WordsFile {
        toml::from_str(WORDS_TOML).expect("state_words.toml parses")
    }

    fn op(method: Method, path: &str) -> Operation {
        Operation {
            method,
            path: path.into(),
            operation_id: None,
            summary: None,
            description: None,
            tags: Vec::new(),
            deprecated: false,
            parameters: Vec::new(),
            request_body: None,
            responses: Vec::new(),
            security: Vec::new(),
            security_source: tollgate_spec::SecuritySource::Global,
            servers: Vec::new(),
            pointer: String::new(),
        }
    }

    /// `/path`, or `operationId=…`, `summary=…`, `description=…` of a GET operation.
    fn hit(example: &str) -> Option<StateHit> {
        let w = words();
        if example.starts_with('/') {
            let url = Url::parse(&format!("http://127.0.0.1{example}")).expect("url");
            return w.in_path(url.path());
        }
        let (field, value) = example.split_once('=').expect("field=value");
        let mut o = op(Method::Get, "/x");
        match field {
            "operationId" => o.operation_id = Some(value.into()),
            "summary" => o.summary = Some(value.into()),
            "description" => o.description = Some(value.into()),
            other => panic!("unknown example field {other}"),
        }
        w.in_operation(&o)
    }

    #[test]
    fn the_word_list_parses_and_every_example_behaves() {
        StateWords::parse(WORDS_TOML).expect("valid word list");
        let f = file();
        let mut wrong = Vec::new();
        for e in &f.examples {
            if hit(e).is_none() {
                wrong.push(format!("not refused: {e}"));
            }
        }
        for e in &f.negative_examples {
            if let Some(h) = hit(e) {
                wrong.push(format!("refused: {e} ({})", h.reason()));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn classes_and_sources_are_reported() {
        let h = hit("/api/admin/reseed").expect("hit");
        assert_eq!(h.class, ActionClass::Destructive);
        assert_eq!(h.source, "path segment `reseed`");
        let h = hit("operationId=resetDatabase").expect("hit");
        assert_eq!(h.class, ActionClass::Destructive, "reset + database");
        let h = hit("summary=Drop and re-seed the database").expect("hit");
        assert_eq!(h.class, ActionClass::Destructive);
        assert!(h.source.starts_with("summary \"Drop"), "{}", h.source);
        assert_eq!(hit("/logout").expect("hit").class, ActionClass::Session);
        assert_eq!(
            hit("/api/users/1/delete").expect("hit").class,
            ActionClass::Modifying
        );
    }

    #[test]
    fn invalid_word_lists_are_rejected() {
        let bad = WORDS_TOML.replacen("\"drop\"", "\"Drop\"", 1);
        assert!(StateWords::parse(&bad).is_err());
        let twice = WORDS_TOML.replacen("\"drop\"", "\"delete\"", 1);
        assert!(StateWords::parse(&twice).is_err());
    }

    #[test]
    fn the_gate_refuses_spec_operations_by_name_and_method() {
        let gate = Gate::default();
        let mut purge = op(Method::Get, "/maintenance/{scope}/");
        purge.operation_id = Some("purgeExpiredOrders".into());
        let mut create = op(Method::Post, "/orders/");
        create.summary = Some("Create an order".into());
        gate.learn_spec("/api/", &[purge, create, op(Method::Get, "/orders/")]);
        let url = |p: &str| Url::parse(&format!("http://127.0.0.1:8000{p}")).expect("url");
        let refused = gate
            .refusal(HttpMethod::Get, &url("/api/maintenance/all/"))
            .expect("refused");
        assert_eq!(refused.source, "operationId `purgeExpiredOrders`");
        assert!(gate
            .refusal(HttpMethod::Head, &url("/api/maintenance/all/"))
            .is_some());
        assert!(gate
            .refusal(HttpMethod::Get, &url("/api/orders/"))
            .is_none());
        assert!(gate
            .refusal(HttpMethod::Get, &url("/maintenance/all/"))
            .is_none());
        // Path words need no document.
        assert!(Gate::default()
            .refusal(HttpMethod::Options, &url("/api/reset-db"))
            .is_some());
    }

    #[test]
    fn the_skip_list_is_bounded_and_drops_query_strings() {
        let gate = Gate::default();
        let h = hit("/drop").expect("hit");
        for i in 0..(MAX_SKIPPED + 5) {
            let url = Url::parse(&format!("http://127.0.0.1/drop/{i}?token=secret")).expect("url");
            gate.record(HttpMethod::Get, &url, h.clone(), "discovery");
        }
        let (kept, dropped) = gate.skipped();
        assert_eq!(kept.len(), MAX_SKIPPED);
        assert_eq!(dropped, 5);
        assert!(kept.iter().all(|s| !s.url.contains("secret")));
    }
}
