-- tollgate server schema (PostgreSQL). Kept equivalent to ../sqlite/0001_init.sql by
-- tests/schema.rs: same tables, columns, types (BIGINT/TEXT), nullability, indexes.
-- Timestamps are Unix milliseconds; flags are 0/1.

CREATE TABLE api_keys (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE targets (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    spec_url TEXT,
    profile TEXT NOT NULL,
    allow_intrusive BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX targets_created ON targets (created_at, id);

CREATE TABLE scans (
    id TEXT NOT NULL PRIMARY KEY,
    target_id TEXT NOT NULL REFERENCES targets (id),
    state TEXT NOT NULL,
    checks_done BIGINT NOT NULL,
    checks_total BIGINT NOT NULL,
    error TEXT,
    score BIGINT,
    grade TEXT,
    findings_count BIGINT,
    cancel_requested BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    lease_owner TEXT,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);

CREATE INDEX scans_queue ON scans (state, created_at);
CREATE INDEX scans_target ON scans (target_id, created_at);

CREATE TABLE reports (
    scan_id TEXT NOT NULL PRIMARY KEY REFERENCES scans (id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE findings (
    scan_id TEXT NOT NULL REFERENCES scans (id),
    seq BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    check_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    confidence TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (scan_id, seq)
);

CREATE INDEX findings_fingerprint ON findings (fingerprint);
