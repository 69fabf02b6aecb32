//! Test support: a throw-away PostgreSQL database per test, a server on 127.0.0.1:0,
//! a loopback stub target.
#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stderr
)]

use std::time::Duration;
use tollgate_server::guard::Allow;
use tollgate_server::{Database, Running, ServerConfig};

/// The PostgreSQL server the tests use: 127.0.0.1:5432, trust auth, database `test`
/// (TOLLGATE_TEST_POSTGRES overrides).
pub fn admin_url() -> String {
    std::env::var("TOLLGATE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A database created for one test and dropped after it.
pub struct PgDb {
    pub url: String,
    name: String,
}

impl PgDb {
    /// A new database, or `None` (with a SKIPPED line) when PostgreSQL does not answer.
    /// Under CI=true a missing PostgreSQL fails the test.
    pub async fn create(test: &str) -> Option<PgDb> {
        sqlx::any::install_default_drivers();
        let admin = admin_url();
        let conn =
            tokio::time::timeout(Duration::from_secs(5), sqlx::AnyPool::connect(&admin)).await;
        let pool = match conn {
            Ok(Ok(p)) => p,
            other => {
                let why = match other {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".into(),
                };
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("PostgreSQL at {admin} does not answer ({why}), and CI=true needs it");
                }
                // Straight to stderr, past the test harness's capture: a skip must show.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "PostgreSQL tests SKIPPED ({test}): no PostgreSQL answers at {admin} ({why})"
                );
                return None;
            }
        };
        let mut rnd = [0u8; 6];
        getrandom::fill(&mut rnd).expect("random");
        let name = format!("tollgate_test_{}_{}", std::process::id(), hex::encode(rnd));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .expect("create the test database");
        pool.close().await;
        let mut url = url::Url::parse(&admin).expect("postgres URL");
        url.set_path(&format!("/{name}"));
        Some(PgDb {
            url: url.to_string(),
            name,
        })
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // A runtime of its own: Drop may run inside or outside one.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(pool) = sqlx::AnyPool::connect(&admin_url()).await {
                    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&pool)
                        .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// A server on 127.0.0.1:0 that may scan loopback targets (`--allow-target 127.0.0.1`).
pub async fn server(database: Database, workers: usize) -> Running {
    let engine = tollgate_scan::engine::EngineConfig {
        max_time: Duration::from_secs(120),
        ..Default::default()
    };
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), database);
    config.workers = workers;
    config.allow = vec!["127.0.0.1".parse::<Allow>().expect("allow")];
    config.engine = engine;
    tollgate_server::start(config).await.expect("server starts")
}
