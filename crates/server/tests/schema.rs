//! The SQLite and PostgreSQL migrations must produce the same schema: tables, columns,
//! normalised types, nullability, primary keys and indexes.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stderr)]

mod support;

use sqlx::Row;
use std::collections::BTreeSet;
use tollgate_server::store::Store;

/// `table.column type null|not-null`, and `index on table(columns) unique?`.
type Schema = (BTreeSet<String>, BTreeSet<String>);

fn normalise(ty: &str) -> String {
    match ty.to_ascii_lowercase().as_str() {
        "bigint" | "int8" | "integer" | "int" => "bigint".into(),
        "text" | "character varying" | "varchar" => "text".into(),
        "bytea" | "blob" => "bytes".into(),
        "double precision" | "real" | "float8" => "float".into(),
        other => other.to_string(),
    }
}

async fn sqlite_schema(store: &Store) -> Schema {
    let pool = store.pool();
    let cols = sqlx::query(
        "SELECT m.name AS tbl, p.name AS col, p.type AS ty, p.\"notnull\" AS nn \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("columns");
    let columns = cols
        .iter()
        .map(|r| {
            let nn: i64 = r.get("nn");
            format!(
                "{}.{} {} {}",
                r.get::<String, _>("tbl"),
                r.get::<String, _>("col"),
                normalise(&r.get::<String, _>("ty")),
                if nn != 0 { "not-null" } else { "null" }
            )
        })
        .collect();
    let idx = sqlx::query(
        "SELECT m.name AS tbl, il.\"unique\" AS uniq, \
           (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)) AS cols \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("indexes");
    let indexes = idx
        .iter()
        .map(|r| {
            let uniq: i64 = r.get("uniq");
            format!(
                "index on {}({}){}",
                r.get::<String, _>("tbl"),
                r.get::<String, _>("cols"),
                if uniq != 0 { " unique" } else { "" }
            )
        })
        .collect();
    (columns, indexes)
}

async fn postgres_schema(store: &Store) -> Schema {
    let pool = store.pool();
    let cols = sqlx::query(
        "SELECT table_name::text AS tbl, column_name::text AS col, data_type::text AS ty, is_nullable::text AS nullable \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("columns");
    let columns = cols
        .iter()
        .map(|r| {
            let nullable: String = r.get("nullable");
            format!(
                "{}.{} {} {}",
                r.get::<String, _>("tbl"),
                r.get::<String, _>("col"),
                normalise(&r.get::<String, _>("ty")),
                if nullable == "NO" { "not-null" } else { "null" }
            )
        })
        .collect();
    let idx = sqlx::query(
        "SELECT t.relname::text AS tbl, (CASE WHEN ix.indisunique THEN 1 ELSE 0 END)::int8 AS uniq, \
           array_to_string(ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS cols \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("indexes");
    let indexes = idx
        .iter()
        .map(|r| {
            let uniq: i64 = r.get("uniq");
            format!(
                "index on {}({}){}",
                r.get::<String, _>("tbl"),
                r.get::<String, _>("cols"),
                if uniq != 0 { " unique" } else { "" }
            )
        })
        .collect();
    (columns, indexes)
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_make_the_same_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = Store::open_data_dir(dir.path()).await.expect("sqlite");
    let lite = sqlite_schema(&sqlite).await;
    assert!(
        lite.0.contains("scans.locked_until bigint null")
            && lite.0.contains("api_keys.key_hash text not-null")
            && lite.1.contains("index on findings(scan_id,seq) unique"),
        "the SQLite schema is read: {lite:#?}"
    );
    let Some(db) = support::PgDb::create("schema").await else {
        return;
    };
    let pg = Store::connect(&db.url).await.expect("postgres");
    let post = postgres_schema(&pg).await;
    pg.close().await;
    assert_eq!(
        lite.0, post.0,
        "columns differ between SQLite and PostgreSQL"
    );
    assert_eq!(
        lite.1, post.1,
        "indexes differ between SQLite and PostgreSQL"
    );
    eprintln!(
        "schemas equal: {} columns, {} indexes",
        lite.0.len(),
        lite.1.len()
    );
}
