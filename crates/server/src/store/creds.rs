//! Storage of target identities (sealed, see `vault.rs`) and the secret key's check row.

use super::{now_ms, Store, StoreResult};
use sqlx::Row;

/// A target's identities as stored: the sealed JSON and the clear summary.
#[derive(Clone)]
pub struct SealedIdentities {
    pub sealed: String,
    /// JSON: the identities' names and kinds only.
    pub summary: String,
}

impl std::fmt::Debug for SealedIdentities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedIdentities")
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Replaces a target's identities; `None` removes them.
    pub async fn set_identities(
        &self,
        target_id: &str,
        identities: Option<&SealedIdentities>,
    ) -> StoreResult<()> {
        match identities {
            None => {
                sqlx::query("DELETE FROM target_identities WHERE target_id = $1")
                    .bind(target_id)
                    .execute(&self.pool)
                    .await?;
            }
            Some(s) => {
                sqlx::query(
                    "INSERT INTO target_identities (target_id, sealed, summary, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (target_id) DO UPDATE SET sealed = excluded.sealed, summary = excluded.summary, updated_at = excluded.updated_at",
                )
                .bind(target_id)
                .bind(&s.sealed)
                .bind(&s.summary)
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }

    /// A target's sealed identities, if it has any.
    pub async fn identities(&self, target_id: &str) -> StoreResult<Option<SealedIdentities>> {
        sqlx::query("SELECT sealed, summary FROM target_identities WHERE target_id = $1")
            .bind(target_id)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| {
                Ok(SealedIdentities {
                    sealed: r.try_get("sealed")?,
                    summary: r.try_get("summary")?,
                })
            })
            .transpose()
    }

    /// The identity summaries of these targets (those that have identities), by target.
    pub async fn identity_summaries(
        &self,
        target_ids: &[&str],
    ) -> StoreResult<Vec<(String, String)>> {
        if target_ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=target_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT target_id, summary FROM target_identities WHERE target_id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in target_ids {
            q = q.bind(*id);
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("target_id")?, r.try_get("summary")?)))
            .collect()
    }

    /// The sealed key-check text, if a server with a key has started on this database.
    pub async fn key_check(&self) -> StoreResult<Option<String>> {
        sqlx::query("SELECT sealed FROM secret_key_check WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("sealed"))
            .transpose()
    }

    /// Writes the key-check row unless one exists (the first writer wins).
    pub async fn insert_key_check(&self, sealed: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO secret_key_check (id, sealed, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(sealed)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
