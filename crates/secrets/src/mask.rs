//! Masking: enough of a value to recognise it, never enough to use it.

/// Masks a secret as `<visible prefix>…<tail>`: `ghp_…XyZ1`.
///
/// `visible` is the rule's documented prefix length (public information); without one,
/// at most 4 characters and a quarter of the value stay. The tail is 4 characters for
/// values of 20+ characters, 2 for 12+, none below. At least 8 characters are always
/// hidden, and without a documented prefix at least half of the value.
pub fn mask(value: &str, visible: Option<usize>) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let tail = match n {
        20.. => 4,
        12.. => 2,
        _ => 0,
    };
    let head = match visible {
        Some(v) => v.min(n.saturating_sub(tail + 8)),
        None => 4.min(n / 4),
    };
    let (head, tail) = if head + tail > n / 2 && visible.is_none() {
        (n / 4, 0)
    } else {
        (head, tail)
    };
    let start: String = chars[..head].iter().collect();
    let end: String = chars[n - tail..].iter().collect();
    format!("{start}…{end}")
}

/// `context` with every occurrence of `secret` replaced by its mask: a database URL
/// shown with only its password masked.
pub fn mask_within(context: &str, secret: &str, visible: Option<usize>) -> String {
    if secret.is_empty() {
        return context.to_string();
    }
    context.replace(secret, &mask(secret, visible))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_style() {
        assert_eq!(
            mask("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", Some(4)),
            "ghp_…RM6r"
        );
    }

    #[test]
    fn never_shows_half_of_a_value() {
        for v in [
            "secret",
            "Tg-db-P4ssw0rd-2024",
            "tcp://127.0.0.1:2375",
            "ab",
            "",
        ] {
            let m = mask(v, None);
            let shown = m.chars().filter(|&c| c != '…').count();
            assert!(shown * 2 <= v.chars().count(), "{v} -> {m}");
        }
        // A prefix longer than the value allows is cut back.
        let m = mask("sk_live_short1", Some(8));
        assert!(m.chars().filter(|&c| c != '…').count() * 2 <= 14, "{m}");
    }

    #[test]
    fn masks_inside_context() {
        let url = "postgres://app:Tg-db-P4ssw0rd-2024@db.internal:5432/x";
        let m = mask_within(url, "Tg-db-P4ssw0rd-2024", None);
        assert!(!m.contains("P4ssw0rd"), "{m}");
        assert!(m.starts_with("postgres://app:") && m.ends_with("@db.internal:5432/x"));
    }

    #[test]
    fn multibyte_safe() {
        assert_eq!(
            mask("ééééééééééééééééééééé", None).chars().count(),
            1 + 4 + 4
        );
    }
}
