//! What a response field holds, judged from its name and its value together: a
//! plaintext credential, a password hash, or content that merely shares a word with a
//! credential (a book's `secret` passage). Used by PROP-001.
//!
//! Names are split into words whatever their style (`apiKey`, `api_key`, `api-key`,
//! `API_KEY`, `x.api.key`); the last word says what the field is (`password_changed_at`
//! is a time, `tokens_used` a count). The tables below are data, with the names they
//! accept and refuse in the tests.

/// What a credential-named field is meant to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldKind {
    /// Something a person knows: password, passphrase, PIN, one-time code.
    Password,
    /// A machine secret: API key, client secret, private or signing key.
    Secret,
    /// A bearer credential: access, refresh, ID or session token.
    Token,
    /// The name says it stores a digest (`password_hash`, `hashed_password`).
    Hash,
}

/// What a value in a credential-named field turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValueKind {
    /// A password hash in a known format (bcrypt, argon2, scrypt, PBKDF2, crypt(3),
    /// Django's and LDAP's hasher formats, a bare hex digest).
    Hashed,
    /// The credential itself, in the clear.
    Plaintext,
}

/// Words that name a credential on their own (as the field's last word).
const CREDENTIAL_WORDS: &[(&str, FieldKind)] = &[
    ("password", FieldKind::Password),
    ("passwd", FieldKind::Password),
    ("pwd", FieldKind::Password),
    ("passphrase", FieldKind::Password),
    ("passcode", FieldKind::Password),
    ("pin", FieldKind::Password),
    ("otp", FieldKind::Password),
    ("totp", FieldKind::Password),
    ("hotp", FieldKind::Password),
    ("secret", FieldKind::Secret),
    ("apikey", FieldKind::Secret),
];

/// Last words that hold a credential when an earlier word says which one
/// (`api_key`, `private_key`, `pin_code`, `access_token`, `password_hash`).
const HOLDER_WORDS: &[(&str, &[&str], FieldKind)] = &[
    (
        "key",
        &[
            "api",
            "access",
            "secret",
            "private",
            "signing",
            "encryption",
            "session",
            "master",
            "client",
            "app",
        ],
        FieldKind::Secret,
    ),
    (
        "token",
        &[
            "access", "refresh", "id", "auth", "session", "api", "bearer", "personal", "jwt",
            "secret", "oauth",
        ],
        FieldKind::Token,
    ),
    (
        "code",
        &["pin", "otp", "totp", "mfa", "2fa", "backup", "recovery"],
        FieldKind::Password,
    ),
    (
        "hash",
        &["password", "passwd", "pwd", "pin", "passcode", "secret"],
        FieldKind::Hash,
    ),
    (
        "digest",
        &["password", "passwd", "pwd", "pin", "passcode", "secret"],
        FieldKind::Hash,
    ),
    (
        "plain",
        &["password", "passwd", "pwd", "pin", "passcode"],
        FieldKind::Password,
    ),
    (
        "plaintext",
        &["password", "passwd", "pwd", "pin", "passcode", "secret"],
        FieldKind::Password,
    ),
];

/// First words that turn a name into a flag or a question about the credential
/// (`has_password`, `is_secret`, `show_pin`).
const FLAG_WORDS: &[&str] = &[
    "has", "is", "can", "needs", "need", "show", "use", "uses", "requires", "allow", "must",
    "should", "was",
];

/// Words before the last that make the field a different thing (`hashed_password` is a
/// hash, `reset_password` and `new_password` still a password).
const HASH_PREFIXES: &[&str] = &["hashed", "encrypted", "crypted"];

/// The field name as lower-case words: `userPIN` → `user pin`, `API_KEY` → `api key`.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What the field is meant to hold, if its name says it holds a credential.
pub fn field_kind(name: &str) -> Option<FieldKind> {
    let w = words(name);
    let (last, before) = w.split_last()?;
    if before
        .first()
        .is_some_and(|f| FLAG_WORDS.contains(&f.as_str()))
    {
        return None;
    }
    let kind = if let Some((_, k)) = CREDENTIAL_WORDS.iter().find(|(c, _)| c == last) {
        Some(*k)
    } else if last == "token" && before.is_empty() {
        Some(FieldKind::Token)
    } else {
        HOLDER_WORDS
            .iter()
            .find(|(h, _, _)| h == last)
            .filter(|(_, qualifiers, _)| before.iter().any(|b| qualifiers.contains(&b.as_str())))
            .map(|(_, _, k)| *k)
    }?;
    let hashed = before.iter().any(|b| HASH_PREFIXES.contains(&b.as_str()));
    Some(if hashed && kind == FieldKind::Password {
        FieldKind::Hash
    } else {
        kind
    })
}

/// Values that stand for "no value" or a hidden one.
fn is_blank(v: &str) -> bool {
    const NONE: &[&str] = &[
        "",
        "null",
        "none",
        "nil",
        "undefined",
        "n/a",
        "na",
        "-",
        "hidden",
        "redacted",
        "[redacted]",
        "[filtered]",
        "[hidden]",
        "filtered",
        "secret",
        "password",
        "true",
        "false",
        "set",
        "unset",
        "yes",
        "no",
    ];
    let lower = v.trim().to_ascii_lowercase();
    NONE.contains(&lower.as_str())
        || v.chars()
            .all(|c| matches!(c, '*' | '•' | '●' | 'x' | 'X' | '#' | '.'))
        || v.contains("***")
        || v.contains("•••")
}

/// Whether the value is a password hash in a known format.
pub fn is_hash(v: &str) -> bool {
    let v = v.trim();
    // Modular crypt: `$2b$12$…` (bcrypt), `$argon2id$…`, `$scrypt$…`, `$7$…`,
    // `$pbkdf2-sha256$…`, `$1$` / `$5$` / `$6$` / `$y$` / `$apr1$` / `$sha1$`.
    const MCF: &[&str] = &[
        "$2a$", "$2b$", "$2x$", "$2y$", "$2$", "$argon2", "$scrypt$", "$7$", "$pbkdf2", "$1$",
        "$5$", "$6$", "$y$", "$gy$", "$apr1$", "$sha1$", "$md5$",
    ];
    // Django's hashers (`algorithm$…`) and LDAP's `{SCHEME}…`.
    const PREFIXES: &[&str] = &[
        "pbkdf2_sha256$",
        "pbkdf2_sha1$",
        "argon2$",
        "bcrypt_sha256$",
        "bcrypt$",
        "scrypt$",
        "sha1$",
        "md5$",
        "unsalted_sha1$",
        "unsalted_md5$",
        "crypt$",
        "{ssha}",
        "{sha}",
        "{ssha256}",
        "{ssha512}",
        "{sha256}",
        "{sha512}",
        "{pbkdf2}",
        "{pbkdf2-sha256}",
        "{crypt}",
        "{md5}",
        "{smd5}",
        "{bcrypt}",
        "{argon2}",
    ];
    let lower = v.to_ascii_lowercase();
    if MCF.iter().any(|p| lower.starts_with(p)) && v.matches('$').count() >= 3 {
        return true;
    }
    if PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    // A bare hex digest: MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512.
    [32, 40, 56, 64, 96, 128].contains(&v.len()) && v.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether the value is prose: a sentence or a passage, not a credential.
pub fn is_prose(v: &str) -> bool {
    let v = v.trim();
    let words = v.split_whitespace().count();
    let sentence = v.contains(". ") || v.ends_with(['.', '!', '?']);
    v.chars().count() > 256 || words >= 6 || (words >= 4 && sentence) || v.contains('\n')
}

/// Whether the value fits a field meant to hold a code a person types: 4 to 10
/// digits, or up to 12 letters and digits without spaces.
fn fits_code(v: &str) -> bool {
    let n = v.chars().count();
    ((4..=10).contains(&n) && v.bytes().all(|b| b.is_ascii_digit()))
        || ((4..=12).contains(&n) && v.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The words a name ends in that make it a typed code (`pin`, `otp`, `*_code`).
fn is_code_name(name: &str) -> bool {
    let w = words(name);
    w.last()
        .is_some_and(|l| ["pin", "otp", "totp", "hotp", "code"].contains(&l.as_str()))
}

/// What a string value in a field of this name holds, or `None` when it is empty,
/// masked, a flag, or content that does not fit the name (prose in `secret`, a
/// sentence in `pin`).
pub fn judge(name: &str, value: &str) -> Option<(FieldKind, ValueKind)> {
    let kind = field_kind(name)?;
    let v = value.trim();
    if is_blank(v) || is_prose(v) {
        return None;
    }
    let n = v.chars().count();
    match kind {
        FieldKind::Hash => Some((kind, ValueKind::Hashed)),
        _ if is_hash(v) && kind != FieldKind::Token => Some((kind, ValueKind::Hashed)),
        FieldKind::Password if is_code_name(name) => {
            fits_code(v).then_some((kind, ValueKind::Plaintext))
        }
        // A password of any strength, but one token (a passphrase may have spaces).
        FieldKind::Password => (4..=128)
            .contains(&n)
            .then_some((kind, ValueKind::Plaintext)),
        // Keys and tokens: a single run of characters of some length.
        FieldKind::Secret | FieldKind::Token => {
            (n >= 8 && !v.contains(' ')).then_some((kind, ValueKind::Plaintext))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_every_style() {
        assert_eq!(words("userPIN"), ["user", "pin"]);
        assert_eq!(words("APIKey"), ["api", "key"]);
        assert_eq!(words("api-key"), ["api", "key"]);
        assert_eq!(words("API_KEY"), ["api", "key"]);
        assert_eq!(words("passwordHash"), ["password", "hash"]);
        for (name, kind) in [
            ("password", FieldKind::Password),
            ("Password", FieldKind::Password),
            ("db_password", FieldKind::Password),
            ("newPassword", FieldKind::Password),
            ("passwd", FieldKind::Password),
            ("pin", FieldKind::Password),
            ("userPIN", FieldKind::Password),
            ("pin_code", FieldKind::Password),
            ("otp", FieldKind::Password),
            ("mfa-code", FieldKind::Password),
            ("secret", FieldKind::Secret),
            ("client_secret", FieldKind::Secret),
            ("clientSecret", FieldKind::Secret),
            ("api_key", FieldKind::Secret),
            ("apiKey", FieldKind::Secret),
            ("X-API-KEY", FieldKind::Secret),
            ("apikey", FieldKind::Secret),
            ("private_key", FieldKind::Secret),
            ("secret_access_key", FieldKind::Secret),
            ("access_token", FieldKind::Token),
            ("refreshToken", FieldKind::Token),
            ("token", FieldKind::Token),
            ("password_hash", FieldKind::Hash),
            ("hashed_password", FieldKind::Hash),
            ("passwordDigest", FieldKind::Hash),
        ] {
            assert_eq!(field_kind(name), Some(kind), "{name}");
        }
        for name in [
            "password_changed_at",
            "passwordUpdatedAt",
            "has_password",
            "isSecret",
            "secretary",
            "secret_question",
            "token_type",
            "tokens_used",
            "next_page_token",
            "csrf_token",
            "public_key",
            "primary_key",
            "sort_key",
            "pinned",
            "spinner",
            "otp_enabled",
            "passing_grade",
            "api_key_id",
            "password_policy",
        ] {
            assert_eq!(field_kind(name), None, "{name}");
        }
    }

    #[test]
    fn hashes_in_known_formats() {
        for h in [
            "pbkdf2_sha256$600000$abcdefgh$Zm9vYmFyYmF6cXV4",
            "$2b$12$KIXQJ8u1eVb8vJ2mE9b4aOqk3M1v0Kq8V7w3pF2y6zJ5uQ1r9s8Xy",
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
            "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA",
            "bcrypt_sha256$$2b$12$KIXQJ8u1eVb8vJ2mE9b4aOqk3M1v0Kq8V7w3pF2y6zJ5uQ1r9s8Xy",
            "scrypt$16384$salt$8$1$aGFzaA==",
            "$6$rounds=5000$saltsalt$Y2hlY2tzdW0",
            "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
            "5f4dcc3b5aa765d61d8327deb882cf99",
            "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
        ] {
            assert!(is_hash(h), "{h}");
            assert_eq!(
                judge("password", h),
                Some((FieldKind::Password, ValueKind::Hashed))
            );
        }
        for p in [
            "hunter2",
            "alice123",
            "Tr0ub4dor&3",
            "$dollar$sign",
            "{noop}secret99",
        ] {
            assert!(!is_hash(p), "{p}");
        }
    }

    #[test]
    fn plaintext_whatever_the_entropy() {
        for (name, value) in [
            ("password", "alice123"),
            ("password", "hunter2!"),
            ("password", "correct horse battery staple"),
            ("pin", "1234"),
            ("userPin", "004821"),
            ("otp", "839201"),
            ("api_key", "tgk_live_0123456789abcdef0123456789abcdef"),
            ("client_secret", "s3cr3t-value-42"),
            ("secret", "JBSWY3DPEHPK3PXP"),
        ] {
            assert_eq!(
                judge(name, value).map(|(_, v)| v),
                Some(ValueKind::Plaintext),
                "{name}={value}"
            );
        }
    }

    #[test]
    fn content_that_does_not_fit_the_name_is_not_a_credential() {
        for (name, value) in [
            (
                "secret",
                "The butler did it. He hid the key under the stairs.",
            ),
            (
                "secret",
                "Every chapter hides a secret that the reader has to find before the end",
            ),
            ("pin", "Pinned to the top of the board"),
            ("password", "********"),
            ("password", ""),
            ("password", "null"),
            ("api_key", "***"),
            ("token", "Bearer"),
            ("pin", "ab"),
            ("has_password", "true"),
        ] {
            assert_eq!(judge(name, value), None, "{name}={value}");
        }
    }
}
