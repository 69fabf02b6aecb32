//! Opening the server's database from a `tollgate worker`.
//!
//! A worker never creates or migrates the schema: `tollgate serve` owns it. Two
//! processes of different versions migrating the same database at once, or a worker
//! with a typo in its URL creating an empty database that no scan ever reaches, are
//! both worse than a clear error.

use super::{Backend, Store, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use crate::Database;
use sqlx::Row;
use std::time::Duration;

impl Store {
    /// Opens a database `tollgate serve` has created and migrated to this version.
    pub async fn open_existing(database: &Database) -> anyhow::Result<Store> {
        let url = match database {
            Database::Url(url) => url.clone(),
            Database::DataDir(dir) => {
                let path = dir.join("tollgate.db");
                if !path.is_file() {
                    anyhow::bail!(
                        "there is no tollgate database in {}: start `tollgate serve --data-dir {}` once to create it",
                        dir.display(),
                        dir.display()
                    );
                }
                // `rw`, not `rwc`: never create one.
                format!("sqlite://{}?mode=rw", path.display())
            }
        };
        check_migrated(&url).await?;
        // Every migration is applied, so this applies none; it checks the checksums.
        Store::connect(&url).await
    }
}

/// Fails unless every migration this binary knows is applied.
async fn check_migrated(url: &str) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let (backend, known) = if url.starts_with("sqlite:") {
        (Backend::Sqlite, SQLITE_MIGRATIONS)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        (Backend::Postgres, POSTGRES_MIGRATIONS)
    } else {
        anyhow::bail!("unsupported database URL: expected sqlite://… or postgres://…");
    };
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    let applied = applied_versions(&pool, backend).await;
    pool.close().await;
    let applied = applied?;
    let missing: Vec<i64> = known
        .iter()
        .map(|(v, _, _)| *v)
        .filter(|v| !applied.contains(v))
        .collect();
    if applied.is_empty() {
        anyhow::bail!(
            "the database has no tollgate schema: start `tollgate serve` on it once to create it, then start the workers"
        );
    }
    if !missing.is_empty() {
        anyhow::bail!(
            "the database's schema is older than this tollgate (migrations {missing:?} are not applied): \
             start `tollgate serve` of this version on it once to migrate it, then start the workers"
        );
    }
    Ok(())
}

/// The applied migration versions; none when the migrations table does not exist.
async fn applied_versions(pool: &sqlx::AnyPool, backend: Backend) -> anyhow::Result<Vec<i64>> {
    let exists_sql = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let exists: i64 = sqlx::query(exists_sql)
        .fetch_one(pool)
        .await
        .and_then(|r| r.try_get("n"))
        .map_err(|e| anyhow::anyhow!("cannot read the database: {e}"))?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    sqlx::query("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the database's migrations: {e}"))?
        .iter()
        .map(|r| {
            r.try_get::<i64, _>("version")
                .map_err(|e| anyhow::anyhow!("cannot read the database's migrations: {e}"))
        })
        .collect()
}

impl super::Outcome {
    /// The scan state this outcome stores, for logs.
    pub fn state(&self) -> &'static str {
        match self {
            super::Outcome::Report {
                cancelled: true, ..
            } => "cancelled",
            super::Outcome::Report { .. } => "completed",
            super::Outcome::Failed(_) => "failed",
        }
    }
}
