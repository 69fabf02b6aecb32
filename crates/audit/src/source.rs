//! One audited file: its text, its path relative to the audit root, and positions.

use crate::secrets::masker;
use tollgate_core::{CheckMeta, Finding, Location};

/// A 1-based line and 1-based column (in characters), as editors and SARIF count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub fn new(line: u32, column: u32) -> Pos {
        Pos {
            line: line.max(1),
            column: column.max(1),
        }
    }

    /// The first character of the file: where a finding about something *missing* goes.
    pub const START: Pos = Pos { line: 1, column: 1 };
}

/// Most characters of one snippet line kept.
const MAX_SNIPPET_CHARS: usize = 240;

/// The text of one file and a line index over it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the audit root, with `/` separators.
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// The file name without its directories.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }

    /// The directory part of the path ("" at the root).
    pub fn dir(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(d, _)| d)
    }

    /// The position of a byte offset (clamped to the text; mid-character offsets round down).
    pub fn pos_at(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let idx = self.line_starts.partition_point(|&s| s <= offset).max(1) - 1;
        let start = self.line_starts.get(idx).copied().unwrap_or(0);
        let column = self.text.get(start..).map_or(0, |rest| {
            rest.char_indices()
                .take_while(|(i, _)| *i < offset - start)
                .count()
        });
        Pos::new(to_u32(idx + 1), to_u32(column + 1))
    }

    /// The byte offset of a 1-based line and 0-based character column (YAML markers).
    pub fn offset_of(&self, line: usize, char_col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = self.text.get(start..).unwrap_or("");
        start
            + rest
                .char_indices()
                .nth(char_col)
                .map_or(rest.len(), |(i, _)| i)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line.max(1) - 1) as usize;
        let Some(&start) = self.line_starts.get(idx) else {
            return "";
        };
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// The offending line as evidence: trimmed, bounded, every secret masked.
    pub fn snippet(&self, line: u32) -> String {
        let text = self.line_text(line).trim();
        let bounded: String = text.chars().take(MAX_SNIPPET_CHARS).collect();
        let masked = masker().source_text(&bounded).into_owned();
        if text.chars().count() > MAX_SNIPPET_CHARS {
            format!("{masked}…")
        } else {
            masked
        }
    }

    /// A finding of `meta` at `pos` in this file, with the masked line as its snippet.
    pub fn finding(&self, meta: &CheckMeta, pos: Pos, title: impl Into<String>) -> Finding {
        let location = Location::File {
            path: self.path.clone(),
            line: pos.line,
            column: pos.column,
        };
        let mut f = Finding::new(meta, location, title);
        f.evidence.snippet = Some(self.snippet(pos.line));
        f
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let f = SourceFile::new("a/b.txt", "ab\néx y\n\nz");
        assert_eq!(f.pos_at(0), Pos::new(1, 1));
        assert_eq!(f.pos_at(3), Pos::new(2, 1));
        assert_eq!(f.pos_at(6), Pos::new(2, 3), "é is one column");
        assert_eq!(f.pos_at(10), Pos::new(4, 1));
        assert_eq!(f.pos_at(999), Pos::new(4, 2));
        assert_eq!(f.offset_of(2, 1), 5);
        assert_eq!(f.line_text(2), "éx y");
        assert_eq!(f.line_text(9), "");
        assert_eq!(f.file_name(), "b.txt");
        assert_eq!(f.dir(), "a");
    }

    #[test]
    fn snippet_masks_secrets() {
        let f = SourceFile::new(
            "Dockerfile",
            "ENV DEPLOY_GITHUB_PAT=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\n",
        );
        let s = f.snippet(1);
        assert!(!s.contains("FAKEpat0000"), "{s}");
        assert!(s.contains("ghp_…RM6r"), "{s}");
    }
}
