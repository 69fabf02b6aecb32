//! Unguessable probe tokens from the operating system's random source.

/// Random bytes per token: 128 bits, so a token cannot be guessed or enumerated.
const TOKEN_BYTES: usize = 16;

/// Why no token could be made.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(String);

/// A fresh token: 32 lower-case hex characters from the OS CSPRNG.
pub fn fresh() -> Result<String, RandomError> {
    let mut buf = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `s` has the shape of a token (so a path segment can be looked up cheaply).
pub fn looks_like_token(s: &str) -> bool {
    s.len() == TOKEN_BYTES * 2 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_well_formed() {
        let a = fresh().expect("random");
        let b = fresh().expect("random");
        assert_ne!(a, b);
        assert!(looks_like_token(&a) && looks_like_token(&b));
        assert!(!looks_like_token("version"));
    }
}
