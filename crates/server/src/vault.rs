//! Target credentials encrypted at rest: XChaCha20-Poly1305 under a 32-byte key the
//! operator provides (`--secret-key-file`, or `TOLLGATE_SECRET_KEY`).
//!
//! Each sealed value has its own random 24-byte nonce (XChaCha's nonce is long enough
//! that random nonces never collide in practice) and is bound to the row it belongs to
//! by the associated data (the target id): a ciphertext copied to another target does
//! not decrypt. The stored text is `v1:` followed by the hex of nonce ‖ ciphertext.
//!
//! A key-check row (a known text sealed under the key) is written by the first start
//! with a key; a later start with a different key is refused at once, instead of every
//! scan failing to decrypt later.

use crate::store::Store;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable that may hold the key itself (64 hex characters).
pub const KEY_ENV: &str = "TOLLGATE_SECRET_KEY";

/// How an operator makes a key.
pub const MAKE_KEY: &str = "openssl rand -hex 32";

const NONCE_LEN: usize = 24;
const VERSION: &str = "v1:";
/// What the key-check row seals, and the associated data it is bound to.
const CHECK_TEXT: &[u8] = b"tollgate secret key check";
const CHECK_AAD: &[u8] = b"tollgate:key-check";

/// The key that encrypts target credentials. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct SecretKey(Arc<[u8; 32]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("the stored value is not in the sealed format")]
    Format,
    #[error(
        "the stored value does not decrypt with this key (another key, or another row's value)"
    )]
    Decrypt,
}

impl SecretKey {
    /// A key from its text: 64 hexadecimal characters, surrounding whitespace ignored.
    /// The error never repeats the text (it may be a near-miss of the real key).
    pub fn parse(text: &str) -> Result<SecretKey, String> {
        let t = text.trim();
        if t.len() != 64 {
            return Err(format!(
                "it must hold 64 hexadecimal characters (32 bytes), not {} characters",
                t.chars().count()
            ));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(t, &mut bytes)
            .map_err(|_| "it must hold 64 hexadecimal characters (0-9, a-f)".to_string())?;
        Ok(SecretKey(Arc::new(bytes)))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(Key::from_slice(self.0.as_slice()))
    }

    /// Encrypts `plain` bound to `aad`, under a fresh random nonce.
    pub fn seal(&self, plain: &[u8], aad: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        // The OS random source failing is not recoverable, and a fixed nonce would be
        // a reused one.
        getrandom::fill(&mut nonce).unwrap_or_else(|e| panic!("the OS random source failed: {e}"));
        let sealed = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            // Encryption fails only for messages near 2^38 bytes.
            .unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", hex::encode(out))
    }

    /// Decrypts a value sealed by [`SecretKey::seal`] with the same `aad`.
    pub fn open(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, OpenError> {
        let body = sealed.strip_prefix(VERSION).ok_or(OpenError::Format)?;
        let raw = hex::decode(body).map_err(|_| OpenError::Format)?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(OpenError::Format);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| OpenError::Decrypt)
    }
}

/// The flags that give the server its secret key. `tollgate serve` flattens them;
/// `tollgate worker` can flatten the same struct.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SecretKeyArgs {
    /// File holding the key that encrypts target credentials (tokens, login passwords)
    /// at rest: 64 hex characters, made with `openssl rand -hex 32 > FILE`. The
    /// environment variable TOLLGATE_SECRET_KEY may hold the key itself instead.
    /// Without a key, targets with identities cannot be registered.
    #[arg(long, env = "TOLLGATE_SECRET_KEY_FILE", value_name = "PATH")]
    pub secret_key_file: Option<PathBuf>,
}

impl SecretKeyArgs {
    /// The key from `--secret-key-file` or `TOLLGATE_SECRET_KEY`, if either is set.
    pub fn load(&self) -> anyhow::Result<Option<SecretKey>> {
        let env = std::env::var(KEY_ENV).ok().filter(|v| !v.trim().is_empty());
        load_key(self.secret_key_file.as_deref(), env.as_deref())
    }
}

/// The key from a file or the text of the environment variable (not both).
pub fn load_key(file: Option<&Path>, env: Option<&str>) -> anyhow::Result<Option<SecretKey>> {
    match (file, env) {
        (Some(_), Some(_)) => anyhow::bail!(
            "both --secret-key-file (TOLLGATE_SECRET_KEY_FILE) and {KEY_ENV} are set: use one"
        ),
        (Some(path), None) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!("cannot read the secret key file {}: {e}", path.display())
            })?;
            SecretKey::parse(&text).map(Some).map_err(|why| {
                anyhow::anyhow!(
                    "the secret key file {} is malformed: {why}; make one with `{MAKE_KEY} > {}`",
                    path.display(),
                    path.display()
                )
            })
        }
        (None, Some(text)) => SecretKey::parse(text).map(Some).map_err(|why| {
            anyhow::anyhow!("{KEY_ENV} is malformed: {why}; make a key with `{MAKE_KEY}`")
        }),
        (None, None) => Ok(None),
    }
}

/// Checks `key` against the database's key-check row, writing the row on the first
/// start with a key. A different key is refused with a message that says what to do.
pub async fn verify_key(store: &Store, key: Option<&SecretKey>) -> anyhow::Result<()> {
    let Some(key) = key else {
        return Ok(());
    };
    match store.key_check().await? {
        Some(sealed) => match key.open(&sealed, CHECK_AAD) {
            Ok(text) if text == CHECK_TEXT => Ok(()),
            _ => anyhow::bail!(
                "the secret key does not match the one this database's target credentials are encrypted with: \
                 start the server with the original --secret-key-file (or TOLLGATE_SECRET_KEY)"
            ),
        },
        None => {
            store
                .insert_key_check(&key.seal(CHECK_TEXT, CHECK_AAD))
                .await?;
            // Two servers starting at once on a new database: the row that won counts.
            match store.key_check().await? {
                Some(sealed) if key.open(&sealed, CHECK_AAD).is_ok() => Ok(()),
                _ => anyhow::bail!(
                    "another server set a different secret key on this database at the same time"
                ),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_row() {
        let key = SecretKey::parse(HEX).unwrap();
        let a = key.seal(b"token-canary", b"tgt_a");
        let b = key.seal(b"token-canary", b"tgt_a");
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(!a.contains("token-canary"));
        assert_eq!(key.open(&a, b"tgt_a").unwrap(), b"token-canary");
        assert_eq!(key.open(&a, b"tgt_b"), Err(OpenError::Decrypt));
        let other = SecretKey::parse(&HEX.replace("00", "ff")).unwrap();
        assert_eq!(other.open(&a, b"tgt_a"), Err(OpenError::Decrypt));
        assert_eq!(key.open("v1:zz", b"tgt_a"), Err(OpenError::Format));
        assert_eq!(key.open("plain", b"tgt_a"), Err(OpenError::Format));
        assert!(!format!("{key:?}").contains("0102"));
    }

    #[test]
    fn malformed_keys_are_explained_without_echoing_them() {
        assert!(SecretKey::parse(&format!("  {HEX}\n")).is_ok());
        let short = SecretKey::parse("abcd").unwrap_err();
        assert!(short.contains("64 hexadecimal"), "{short}");
        let not_hex = SecretKey::parse(&"g".repeat(64)).unwrap_err();
        assert!(
            not_hex.contains("hexadecimal") && !not_hex.contains("ggg"),
            "{not_hex}"
        );
    }

    #[test]
    fn key_files_and_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("key");
        std::fs::write(&good, format!("{HEX}\n")).unwrap();
        assert!(load_key(Some(&good), None).unwrap().is_some());
        assert!(load_key(None, Some(HEX)).unwrap().is_some());
        assert!(load_key(None, None).unwrap().is_none());
        let both = load_key(Some(&good), Some(HEX)).unwrap_err().to_string();
        assert!(both.contains("use one"), "{both}");
        let missing = dir.path().join("nope");
        let e = load_key(Some(&missing), None).unwrap_err().to_string();
        assert!(e.contains("cannot read the secret key file"), "{e}");
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "secret-but-not-hex").unwrap();
        let e = load_key(Some(&bad), None).unwrap_err().to_string();
        assert!(e.contains("malformed") && e.contains(MAKE_KEY), "{e}");
        assert!(!e.contains("secret-but-not-hex"), "{e}");
    }
}
