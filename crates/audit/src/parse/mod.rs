//! Parsers. Every one takes arbitrary text and never panics (see `tests/no_panic.rs`).

pub mod compose;
pub mod dockerfile;
pub mod k8s;
pub mod python;
pub mod shell;
pub mod yaml;

/// A `KEY=value` line of a dotenv file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotEnvLine {
    pub key: String,
    pub value: String,
    /// Byte offset of the key.
    pub offset: usize,
}

/// Parses a dotenv file (`KEY=value`, `export KEY=value`, quotes, `#` comments).
pub fn dotenv(text: &str) -> Vec<DotEnvLine> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        let lead = line.len() - line.trim_start().len();
        let body = line.trim_start();
        let (body, skipped) = match body.strip_prefix("export ") {
            Some(rest) => (rest.trim_start(), body.len() - rest.trim_start().len()),
            None => (body, 0),
        };
        if let Some((key, value)) = body.split_once('=').filter(|_| !body.starts_with('#')) {
            let key = key.trim();
            let valid = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if valid {
                let value = value.trim();
                let value = match value.strip_prefix('"').or_else(|| value.strip_prefix('\'')) {
                    Some(v) => v.trim_end_matches(['"', '\'']),
                    None => value.split(" #").next().unwrap_or(value).trim(),
                };
                out.push(DotEnvLine {
                    key: key.to_string(),
                    value: value.to_string(),
                    offset: offset + lead + skipped,
                });
            }
        }
        offset += raw.len();
    }
    out
}

/// The patterns of a `.dockerignore` file (comments and blank lines dropped).
pub fn dockerignore(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Django's `(major, minor)` pinned or lower-bounded in a requirements or pyproject
/// file, or locked in `poetry.lock`/`uv.lock` (`name = "django"` then `version = "…"`)
/// or `Pipfile.lock` (`"django": {… "version": "==…"`).
pub fn django_version(text: &str) -> Option<(u32, u32)> {
    let lower = text.to_ascii_lowercase();
    if let Some(i) = lower.find("name = \"django\"\n") {
        let rest = lower.get(i..)?;
        let v = rest.lines().nth(1)?.strip_prefix("version = \"")?;
        return major_minor(v);
    }
    if let Some(i) = lower.find("\"django\": {") {
        let rest = lower.get(i..)?;
        let end = rest.find('}').unwrap_or(rest.len());
        let block = rest.get(..end)?;
        let v = block.split("\"version\":").nth(1)?;
        return major_minor(v);
    }
    let at = lower.match_indices("django").find(|(i, _)| {
        let after = lower.get(i + 6..).unwrap_or("");
        let before_ok = *i == 0
            || lower
                .as_bytes()
                .get(i - 1)
                .is_some_and(|b| !b.is_ascii_alphanumeric() && *b != b'-' && *b != b'_');
        before_ok
            && after
                .trim_start_matches(['"', '\'', ' '])
                .starts_with(['=', '>', '~', '<'])
    })?;
    major_minor(lower.get(at.0 + 6..)?)
}

/// The first `MAJOR.MINOR` in a text.
fn major_minor(after: &str) -> Option<(u32, u32)> {
    let digits = after.trim_start_matches(|c: char| !c.is_ascii_digit());
    let mut parts = digits.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_lines() {
        let lines = dotenv("# c\nA=1\nexport B=\"two words\"\n  C='x' \nnot a line\nD=v # note\n");
        let kv: Vec<(&str, &str)> = lines
            .iter()
            .map(|l| (l.key.as_str(), l.value.as_str()))
            .collect();
        assert_eq!(kv, [("A", "1"), ("B", "two words"), ("C", "x"), ("D", "v")]);
        assert_eq!(lines[1].offset, 15);
    }

    #[test]
    fn django_versions() {
        assert_eq!(django_version("Django==4.2.11\nrequests\n"), Some((4, 2)));
        assert_eq!(
            django_version("dependencies = [\"django>=5.2,<6\"]"),
            Some((5, 2))
        );
        assert_eq!(django_version("djangorestframework==3.15\n"), None);
        assert_eq!(
            django_version("[[package]]\nname = \"django\"\nversion = \"4.2.16\"\n"),
            Some((4, 2))
        );
        assert_eq!(
            django_version(
                "{\"default\": {\"django\": {\"hashes\": [], \"version\": \"==5.1.4\"}}}"
            ),
            Some((5, 1))
        );
        assert_eq!(django_version("django-environ==0.11\n"), None);
    }
}
