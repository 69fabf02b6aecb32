//! ANSI colour and the neutralising of control characters in untrusted text.

use std::borrow::Cow;
use tollgate_core::{Grade, Severity};

/// A colour role; the painter maps it to an SGR code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tone {
    Critical,
    High,
    Medium,
    Low,
    Info,
    Good,
    Warn,
    Bad,
    Bold,
    Dim,
}

impl Tone {
    fn sgr(self) -> &'static str {
        match self {
            Tone::Critical => "1;97;41",
            Tone::High | Tone::Bad => "1;31",
            Tone::Medium | Tone::Warn => "33",
            Tone::Low => "36",
            Tone::Info | Tone::Dim => "2",
            Tone::Good => "32",
            Tone::Bold => "1",
        }
    }

    pub(super) fn for_severity(severity: Severity) -> Tone {
        match severity {
            Severity::Critical => Tone::Critical,
            Severity::High => Tone::High,
            Severity::Medium => Tone::Medium,
            Severity::Low => Tone::Low,
            Severity::Info => Tone::Info,
        }
    }

    pub(super) fn for_grade(grade: Grade) -> Tone {
        match grade {
            Grade::A | Grade::B => Tone::Good,
            Grade::C => Tone::Warn,
            Grade::D | Grade::F => Tone::Bad,
        }
    }

    pub(super) fn for_score(score: u8) -> Tone {
        match score {
            90.. => Tone::Good,
            70..=89 => Tone::Warn,
            _ => Tone::Bad,
        }
    }
}

/// Wraps text in ANSI codes, or leaves it alone when colour is off.
#[derive(Debug, Clone, Copy)]
pub(super) struct Painter {
    pub(super) color: bool,
}

impl Painter {
    pub(super) fn paint(self, text: &str, tone: Tone) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", tone.sgr())
        } else {
            text.to_string()
        }
    }
}

/// Text from the target (titles, facts, URLs, error messages) made safe to print:
/// line breaks and tabs become spaces; other control characters and bidi overrides
/// are shown escaped, so a hostile server cannot drive the user's terminal.
pub(super) fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if needs_escape(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_control_sequences() {
        assert_eq!(clean("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("line\r\nnext"), "line  next");
        assert_eq!(clean("abc\u{202E}fed"), "abc\\u{202e}fed");
        assert!(matches!(clean("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn painter_respects_color_flag() {
        assert_eq!(Painter { color: false }.paint("x", Tone::Bad), "x");
        assert_eq!(
            Painter { color: true }.paint("x", Tone::Bold),
            "\x1b[1mx\x1b[0m"
        );
    }
}
