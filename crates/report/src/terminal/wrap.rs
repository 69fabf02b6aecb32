//! Word wrapping for the fixed-width terminal layout.

/// Wraps `text` to `width` columns, each line prefixed by `indent` spaces. Line breaks
/// in `text` are kept; a word longer than the width gets a line of its own.
pub(super) fn wrap(text: &str, indent: usize, width: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let room = width.saturating_sub(indent).max(20);
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let len = line.chars().count();
            if len > 0 && len + 1 + word.chars().count() > room {
                lines.push(format!("{pad}{line}"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(format!("{pad}{line}").trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_width_with_indent() {
        let lines = wrap("one two three four five", 2, 22);
        assert_eq!(lines, vec!["  one two three four", "  five"]);
    }

    #[test]
    fn keeps_paragraph_breaks() {
        assert_eq!(wrap("a\n\nb", 0, 80), vec!["a", "", "b"]);
    }
}
