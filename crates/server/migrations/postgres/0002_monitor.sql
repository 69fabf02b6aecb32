-- Monitoring (issue 16 items 3 and 6): target schedules, stored scan diffs, finding
-- triage. Kept equivalent to ../sqlite/0002_monitor.sql by tests/schema.rs.

-- The schedule in its canonical text ("every 6h", "cron 0 3 * * *") and the next slot
-- (Unix ms); both NULL when the target has no schedule.
ALTER TABLE targets ADD COLUMN schedule TEXT;
ALTER TABLE targets ADD COLUMN next_run_at BIGINT;

CREATE INDEX targets_due ON targets (next_run_at);

-- One diff per completed scan against the target's previous completed scan, written in
-- the transaction that stores the scan's result (scan_id is the key: never two).
CREATE TABLE scan_diffs (
    scan_id TEXT NOT NULL PRIMARY KEY REFERENCES scans (id),
    target_id TEXT NOT NULL REFERENCES targets (id),
    previous_scan_id TEXT,
    new_count BIGINT NOT NULL,
    fixed_count BIGINT NOT NULL,
    unchanged_count BIGINT NOT NULL,
    score_before BIGINT,
    score_after BIGINT NOT NULL,
    grade_before TEXT,
    grade_after TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX scan_diffs_target ON scan_diffs (target_id, created_at);

-- A finding's triage on a target: open, accepted_risk (reason, optional expiry: the
-- Unix ms of 00:00 UTC on the day it ends) or false_positive (reason); who set it.
CREATE TABLE triage (
    target_id TEXT NOT NULL REFERENCES targets (id),
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    expires_at BIGINT,
    set_by_key_id TEXT NOT NULL,
    set_by_key_name TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (target_id, fingerprint)
);
