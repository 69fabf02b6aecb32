//! One `RegexSet` pass over a body says which rules match; only those rules' own
//! regexes then run to locate the values, and the validators filter them.

use crate::mask::{mask, mask_within};
use crate::rule::{parse_rules, Kind, Rule, RuleError, Validator, BUILTIN_PATTERNS};
use crate::validate::{self, JwtInfo};
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

/// Values located per rule and body at most: a hostile body cannot make a scan
/// produce unbounded output.
const MAX_PER_RULE: usize = 1_000;
/// Compiled-program size limits (the set holds every pattern at once).
const SIZE_LIMIT: usize = 64 << 20;

struct Compiled {
    rule: Rule,
    re: Regex,
    secret: usize,
}

/// A compiled rule set.
pub struct Scanner {
    rules: Vec<Compiled>,
    set: RegexSet,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// One value found in a body.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    pub rule: &'a Rule,
    /// Byte range of the value in the scanned text.
    pub span: Range<usize>,
    /// The value itself. Never print it: use [`Match::masked`].
    pub value: &'a str,
    /// Byte range of the whole regex match (the value and its context, such as the
    /// `DATABASE_URL=postgres://…` around a password).
    pub context_span: Range<usize>,
    /// A structural check proved the format (JWT decoded, Luhn, GitHub checksum).
    pub verified: bool,
    /// Header and claims, for JWTs.
    pub jwt: Option<JwtInfo>,
}

impl Match<'_> {
    /// The value, masked: `ghp_…XyZ1`.
    pub fn masked(&self) -> String {
        mask(self.value, self.rule.visible)
    }

    /// The whole match with the value masked in it.
    pub fn masked_context(&self, text: &str) -> String {
        let context = text.get(self.context_span.clone()).unwrap_or(self.value);
        mask_within(context, self.value, self.rule.visible)
    }

    pub fn kind(&self) -> Kind {
        self.rule.kind
    }
}

impl Scanner {
    /// Compiles rules (see `patterns.toml` for the format).
    pub fn new(rules: Vec<Rule>) -> Result<Scanner, RuleError> {
        let set = RegexSetBuilder::new(rules.iter().map(|r| r.pattern.as_str()))
            .unicode(false)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(SIZE_LIMIT)
            .build()
            .map_err(|e| RuleError::Set(e.to_string()))?;
        let compiled = rules
            .into_iter()
            .map(compile)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Scanner {
            rules: compiled,
            set,
        })
    }

    /// The built-in rules from `patterns.toml`, compiled once.
    pub fn builtin() -> &'static Scanner {
        static CELL: OnceLock<Scanner> = OnceLock::new();
        CELL.get_or_init(|| {
            let rules = parse_rules(BUILTIN_PATTERNS).expect("built-in patterns.toml is valid");
            Scanner::new(rules).expect("built-in patterns compile")
        })
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// Every validated value in `text`, in order of position. Where a generic rule and
    /// a specific one matched the same bytes, only the specific match is kept.
    pub fn scan<'a>(&'a self, text: &'a str) -> Vec<Match<'a>> {
        let hay = text.as_bytes();
        let mut found = Vec::new();
        for i in self.set.matches(hay).iter() {
            if let Some(c) = self.rules.get(i) {
                found.extend(c.locate(text));
            }
        }
        found.sort_by_key(|m| (m.span.start, std::cmp::Reverse(m.span.end)));
        resolve_overlaps(found)
    }
}

impl Scanner {
    /// `text` with every credential and infrastructure value masked in place
    /// (`ghp_…RM6r`); PII is left as it is. For evidence excerpts built by code that
    /// does not track the values it found.
    pub fn mask_all<'t>(&self, text: &'t str) -> Cow<'t, str> {
        self.mask_where(text, |k| k != Kind::Pii)
    }

    /// `text` with the values of the kinds `mask` accepts masked in place.
    pub fn mask_where<'t>(&self, text: &'t str, mask: impl Fn(Kind) -> bool) -> Cow<'t, str> {
        splice_masked(
            text,
            self.scan(text).into_iter().filter(|m| mask(m.rule.kind)),
        )
    }
}

/// `text` with each match (in order, overlaps skipped) replaced by its mask.
pub(crate) fn splice_masked<'t, 'r>(
    text: &'t str,
    found: impl IntoIterator<Item = Match<'r>>,
) -> Cow<'t, str> {
    let mut out = String::new();
    let mut at = 0;
    for m in found {
        if m.span.start < at {
            continue;
        }
        out.push_str(&text[at..m.span.start]);
        out.push_str(&m.masked());
        at = m.span.end;
    }
    if at == 0 && out.is_empty() {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

fn compile(rule: Rule) -> Result<Compiled, RuleError> {
    let re = RegexBuilder::new(&rule.pattern)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| RuleError::Invalid {
            id: rule.id.clone(),
            detail: e.to_string(),
        })?;
    let secret = re
        .capture_names()
        .position(|n| n == Some("secret"))
        .ok_or_else(|| RuleError::Invalid {
            id: rule.id.clone(),
            detail: "no `secret` group".into(),
        })?;
    Ok(Compiled { rule, re, secret })
}

impl Compiled {
    fn locate<'a>(&'a self, text: &'a str) -> Vec<Match<'a>> {
        self.re
            .captures_iter(text.as_bytes())
            .take(MAX_PER_RULE)
            .filter_map(|caps| {
                let whole = caps.get(0)?;
                let secret = caps.get(self.secret)?;
                let value = text.get(secret.range())?;
                text.get(whole.range())?;
                self.validate(value).map(|(verified, jwt)| Match {
                    rule: &self.rule,
                    span: secret.range(),
                    value,
                    context_span: whole.range(),
                    verified,
                    jwt,
                })
            })
            .collect()
    }

    /// `Some((verified, jwt))` when every validator accepts the value.
    fn validate(&self, value: &str) -> Option<(bool, Option<JwtInfo>)> {
        let mut verified = false;
        let mut jwt = None;
        for v in &self.rule.validators {
            match v {
                Validator::Entropy => {
                    let min = self.rule.min_entropy.unwrap_or(0.0);
                    if validate::shannon_entropy(value) < min {
                        return None;
                    }
                }
                Validator::Luhn => verified |= gate(validate::luhn(value))?,
                Validator::Ssn => verified |= gate(validate::ssn(value))?,
                Validator::NotPlaceholder => {
                    gate(!validate::is_placeholder(value))?;
                }
                Validator::Jwt => {
                    jwt = Some(validate::jwt(value)?);
                    verified = true;
                }
                Validator::GithubChecksum => verified |= validate::github_checksum(value),
            }
        }
        Some((verified, jwt))
    }
}

fn gate(ok: bool) -> Option<bool> {
    ok.then_some(true)
}

/// Whether `a` should win over `b` where they overlap: a credential beats PII and
/// infrastructure (a password before an `@` is not an email's local part), a specific
/// rule beats a generic one, then the longer value wins.
fn preferred(a: &Match<'_>, b: &Match<'_>) -> bool {
    let rank = |m: &Match<'_>| {
        (
            m.rule.kind == Kind::Credential,
            !m.rule.generic,
            m.span.len(),
        )
    };
    rank(a) > rank(b)
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Drops the weaker of two matches over the same bytes. Matches arrive sorted by start;
/// overlapping ones are close together, so only the last few kept are compared.
fn resolve_overlaps(found: Vec<Match<'_>>) -> Vec<Match<'_>> {
    let mut kept: Vec<Match<'_>> = Vec::with_capacity(found.len());
    for m in found {
        let clash = kept
            .iter()
            .enumerate()
            .rev()
            .take(32)
            .find(|(_, k)| overlaps(&k.span, &m.span))
            .map(|(i, _)| i);
        match clash {
            None => kept.push(m),
            Some(i) if preferred(&m, &kept[i]) => kept[i] = m,
            Some(_) => {}
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_rule_wins_over_generic() {
        let text = r#"{"api_key":"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"}"#;
        let found = Scanner::builtin().scan(text);
        let ids: Vec<&str> = found.iter().map(|m| m.rule.id.as_str()).collect();
        assert_eq!(ids, ["github.token"]);
        assert!(found[0].verified, "checksum verified");
        assert_eq!(found[0].masked(), "ghp_…RM6r");
    }

    #[test]
    fn database_url_context_is_masked() {
        let text = "DATABASE_URL=postgres://tollgate_app:Tg-db-P4ssw0rd-2024@db.internal.tollgate.test:5432/tollgate";
        let found = Scanner::builtin().scan(text);
        let db = found
            .iter()
            .find(|m| m.rule.id == "database_url")
            .expect("database url");
        assert_eq!(db.value, "Tg-db-P4ssw0rd-2024");
        let shown = db.masked_context(text);
        assert!(!shown.contains("P4ssw0rd"), "{shown}");
        assert!(shown.contains("@db.internal.tollgate.test"), "{shown}");
    }

    #[test]
    fn jwt_in_bearer_header_reported_once_as_jwt() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI3IiwiZXhwIjo0MTAyNDQ0ODAwfQ.bBvlWJUnbqyTPCczd4HYY98etkN53tbo0IqG0BBF0ok";
        let text = format!("Authorization: Bearer {jwt}");
        let found = Scanner::builtin().scan(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].rule.id, "jwt");
        assert_eq!(
            found[0].jwt.as_ref().and_then(|j| j.sub.as_deref()),
            Some("7")
        );
    }

    #[test]
    fn mask_all_masks_credentials_and_keeps_the_rest() {
        let text = "user alice@shop.tollgate.test DEPLOY_GITHUB_PAT=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 DOCKER_HOST=tcp://127.0.0.1:2375 ok";
        let masked = Scanner::builtin().mask_all(text);
        assert_eq!(
            masked,
            "user alice@shop.tollgate.test DEPLOY_GITHUB_PAT=ghp_…RM6r DOCKER_HOST=tcp:…2375 ok"
        );
        assert!(matches!(
            Scanner::builtin().mask_all("nothing here"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn non_utf8_neighbourhood_and_empty_input() {
        assert!(Scanner::builtin().scan("").is_empty());
        let text = "é DOCKER_HOST=tcp://127.0.0.1:2375 ü";
        let found = Scanner::builtin().scan(text);
        assert_eq!(found[0].value, "tcp://127.0.0.1:2375");
    }
}
