//! Validators that run after a regex matched: entropy, Luhn, JWT structure, SSN ranges,
//! placeholders, GitHub's token checksum.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

/// Shannon entropy of the bytes, in bits per byte.
pub fn shannon_entropy(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Luhn checksum over the digits of `s` (spaces and dashes ignored), 13 to 19 digits.
pub fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len())
        || s.chars()
            .any(|c| !c.is_ascii_digit() && c != ' ' && c != '-')
    {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// A US SSN (`AAA-GG-SSSS`) in the ranges the SSA issues.
pub fn ssn(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [area, group, serial] = parts.as_slice() else {
        return false;
    };
    let num = |p: &str| p.parse::<u32>().ok();
    match (num(area), num(group), num(serial)) {
        (Some(a), Some(g), Some(s)) => a != 0 && a != 666 && a < 900 && g != 0 && s != 0,
        _ => false,
    }
}

/// Whether a value is a documentation placeholder rather than a secret.
pub fn is_placeholder(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "example",
        "placeholder",
        "your_",
        "your-",
        "yourkey",
        "changeme",
        "change_me",
        "dummy",
        "redacted",
        "xxxxxx",
        "******",
        "${",
        "{{",
        "<",
        ">",
        "%24token",
        "$token",
    ];
    const WHOLE: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "secret",
        "token",
        "admin",
        "root",
        "test",
        "null",
        "none",
        "undefined",
    ];
    if WORDS.iter().any(|w| lower.contains(w)) || WHOLE.contains(&lower.as_str()) {
        return true;
    }
    // One character repeated over the variable part: `ghp_XXXX…`, `aaaa…`.
    let tail: Vec<u8> = s.bytes().rev().take(16).collect();
    tail.len() >= 8 && tail.iter().all(|&b| b == tail[0])
}

/// What a structurally valid JWT says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JwtInfo {
    pub alg: String,
    /// `sub`, as text.
    pub sub: Option<String>,
    /// `username`, `preferred_username`, `email` or `name`, the first present.
    pub user: Option<String>,
    /// `role`, `roles`, `scope` or `scp` as text.
    pub role: Option<String>,
    pub iss: Option<String>,
    /// `exp`, seconds since the epoch.
    pub exp: Option<i64>,
}

/// Decodes the header and payload of a compact JWS; `None` unless both are JSON objects
/// and the header has a string `alg`.
pub fn jwt(token: &str) -> Option<JwtInfo> {
    let mut parts = token.split('.');
    let (h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header = decode_object(h)?;
    let payload = decode_object(p)?;
    let alg = header.get("alg")?.as_str()?.to_string();
    let text = |keys: &[&str]| {
        keys.iter().find_map(|k| match payload.get(*k)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Array(a) => Some(
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        })
    };
    Some(JwtInfo {
        alg,
        sub: text(&["sub"]),
        user: text(&["username", "preferred_username", "email", "name"]),
        role: text(&["role", "roles", "scope", "scp"]),
        iss: text(&["iss"]),
        exp: payload.get("exp").and_then(Value::as_i64),
    })
}

fn decode_object(segment: &str) -> Option<serde_json::Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(segment.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// GitHub's token checksum: the last 6 characters are the base62 CRC32 of the 30
/// before them (`ghp_` + 30 + 6).
pub fn github_checksum(token: &str) -> bool {
    let Some((_, body)) = token.split_once('_') else {
        return false;
    };
    if body.len() != 36 || !body.is_ascii() {
        return false;
    }
    let (random, check) = body.split_at(30);
    base62(crc32(random.as_bytes()), 6) == check
}

fn base62(mut n: u32, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// CRC-32 (IEEE 802.3), bitwise: tokens are short.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_orders_values() {
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-9);
        assert!(shannon_entropy("TgFakePtYgjmUhBel31iEl2hpChYgCfrL1spNxny") > 4.0);
    }

    #[test]
    fn luhn_accepts_test_cards_only() {
        assert!(luhn("4111 1111 1111 1111"));
        assert!(luhn("378282246310005"));
        assert!(!luhn("4111 1111 1111 1112"));
        assert!(!luhn("4111"));
    }

    #[test]
    fn ssn_ranges() {
        assert!(ssn("123-45-6789"));
        assert!(!ssn("000-45-6789"));
        assert!(!ssn("666-45-6789"));
        assert!(!ssn("900-45-6789"));
        assert!(!ssn("123-00-6789"));
        assert!(!ssn("123-45-0000"));
    }

    #[test]
    fn crc32_known_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn github_checksum_of_testbed_style_token() {
        assert!(github_checksum("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"));
        assert!(!github_checksum("ghp_TollgateTestbedFAKEpat0000000110RM6s"));
    }

    #[test]
    fn jwt_claims() {
        let t = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsInVzZXJuYW1lIjoiZXhhbXBsZS11c2VyIiwicm9sZSI6InVzZXIiLCJleHAiOjE3MDAwMDAwMDB9.G2SfQcL5SnUtN7U5o-O7COCLhn94ni-yL1dw4DJWS7E";
        let info = jwt(t).expect("jwt");
        assert_eq!(info.alg, "HS256");
        assert_eq!(info.sub.as_deref(), Some("42"));
        assert_eq!(info.user.as_deref(), Some("example-user"));
        assert_eq!(info.exp, Some(1_700_000_000));
        assert!(jwt("eyJub3QiOiJhIGp3dCBoZWFkZXIifQ.eyJzdWIiOiI3In0.c2ln").is_none());
        assert!(jwt("a.b").is_none());
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder("AKIAIOSFODNN7EXAMPLE"));
        assert!(is_placeholder("${DB_PASSWORD}"));
        assert!(is_placeholder("ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"));
        assert!(is_placeholder("password"));
        assert!(!is_placeholder("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"));
        assert!(!is_placeholder("Tg-db-P4ssw0rd-2024"));
    }
}
