-- Webhooks and their delivery queue (sqlite). Kept equivalent to ../postgres/0003_webhooks.sql
-- by tests/schema.rs. Timestamps are Unix milliseconds.

-- A subscription: where to POST which events, signed with `secret`.
-- `events` is a comma-separated list; `target_id` NULL means every target.
CREATE TABLE webhooks (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    format TEXT NOT NULL,
    score_drop BIGINT NOT NULL,
    target_id TEXT REFERENCES targets (id),
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX webhooks_created ON webhooks (created_at, id);

-- One event for one webhook, and a job: claimed under a lease like scans, retried
-- with backoff until delivered or failed. The body is built once, when queued, so
-- every attempt sends the same bytes (only the signature's timestamp changes).
-- Unique per (webhook, scan, event): a scan's events are queued once.
CREATE TABLE webhook_deliveries (
    id TEXT NOT NULL PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    scan_id TEXT REFERENCES scans (id),
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (webhook_id, scan_id, event);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at);

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    attempt BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    response_excerpt TEXT,
    duration_ms BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
