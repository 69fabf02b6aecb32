//! API keys: 32 random bytes, shown once, stored as their SHA-256 (a key has 256 bits
//! of entropy, so a fast hash is enough: there is nothing to guess), with a role.

use crate::store::{new_id, now_ms, KeyRow, Store, StoreResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a key may do. Each role includes the ones before it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads targets, scans, reports and findings.
    Viewer,
    /// Also registers targets and starts and cancels scans.
    Operator,
    /// Also manages API keys and allows intrusive checks on a target.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The prefix every key starts with (so secret scanners can recognise one).
pub const KEY_PREFIX: &str = "tgk_";

/// The stored form of a key.
pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// A new random key.
fn generate() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("the OS random source failed: {e}"));
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// Creates a key and returns it with its row; the key itself is not kept anywhere.
pub async fn create(store: &Store, name: &str, role: Role) -> StoreResult<(String, KeyRow)> {
    let key = generate();
    let row = KeyRow {
        id: new_id("key"),
        name: name.to_string(),
        role: role.as_str().to_string(),
        created_at: now_ms(),
        revoked_at: None,
    };
    store.insert_key(&row, &hash(&key)).await?;
    Ok((key, row))
}

/// The role of a presented key, if it is a live key.
pub async fn authenticate(store: &Store, key: &str) -> StoreResult<Option<(KeyRow, Role)>> {
    if !key.starts_with(KEY_PREFIX) || key.len() != KEY_PREFIX.len() + 64 {
        return Ok(None);
    }
    Ok(store
        .key_by_hash(&hash(key))
        .await?
        .and_then(|row| Role::parse(&row.role).map(|role| (row, role))))
}

/// On a new database (no key yet), creates the first admin key and returns it.
pub async fn first_admin_key(store: &Store) -> StoreResult<Option<String>> {
    if store.count_keys().await? > 0 {
        return Ok(None);
    }
    let (key, _) = create(store, "first admin key", Role::Admin).await?;
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_prefixed_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX) && a.len() == KEY_PREFIX.len() + 64);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
        assert!(Role::Admin > Role::Operator && Role::Operator > Role::Viewer);
        assert_eq!(Role::parse("operator"), Some(Role::Operator));
        assert_eq!(Role::parse("root"), None);
    }
}
