//! Detection tables as data: the pieces every TOML table of the checks shares. A table
//! entry holds a regex and the examples it must and must not match; [`regex`] compiles
//! the regex while the table loads, [`assert_examples`] checks the examples in tests.

use regex::Regex;
use serde::{Deserialize, Deserializer};

/// Compiles a table's regex field (`#[serde(deserialize_with = "…")]`). `^` and `$`
/// match at line boundaries, as patterns applied to whole bodies expect.
pub fn regex<'de, D: Deserializer<'de>>(d: D) -> Result<Regex, D::Error> {
    let s = String::deserialize(d)?;
    regex::RegexBuilder::new(&s)
        .multi_line(true)
        .build()
        .map_err(serde::de::Error::custom)
}

/// Asserts that an entry has examples both ways, that `re` matches every `must_match`
/// example and none of the `must_not_match` ones.
#[cfg(test)]
pub fn assert_examples(name: &str, re: &Regex, must_match: &[String], must_not_match: &[String]) {
    assert!(
        !must_match.is_empty() && !must_not_match.is_empty(),
        "{name}: examples both ways"
    );
    for ex in must_match {
        assert!(re.is_match(ex), "{name} must match {ex:?}");
    }
    for ex in must_not_match {
        assert!(!re.is_match(ex), "{name} must not match {ex:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Entry {
        #[serde(deserialize_with = "regex")]
        pattern: Regex,
    }

    #[test]
    fn compiles_multi_line_and_reports_bad_patterns() {
        let e: Entry = toml::from_str("pattern = '^b$'").expect("valid");
        assert!(e.pattern.is_match("a\nb\nc"));
        assert_examples("t", &e.pattern, &["b".into()], &["ab".into()]);
        let bad = toml::from_str::<Entry>("pattern = '(unclosed'");
        assert!(bad.is_err_and(|e| e.to_string().contains("unclosed")));
    }
}
