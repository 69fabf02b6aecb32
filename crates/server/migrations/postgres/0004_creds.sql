-- Target identities encrypted at rest, and the secret key's check row (postgres). Kept
-- equivalent to ../sqlite/0004_creds.sql by tests/schema.rs.

-- One row per target that has identities: `sealed` is the identities' JSON encrypted
-- with XChaCha20-Poly1305 (v1:hex(nonce || ciphertext), the target id as associated
-- data); `summary` is their names and kinds only, in the clear, for the API's views.
-- Deleting a target deletes its identities (ON DELETE CASCADE).
CREATE TABLE target_identities (
    target_id TEXT NOT NULL PRIMARY KEY REFERENCES targets (id) ON DELETE CASCADE,
    sealed TEXT NOT NULL,
    summary TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- At most one row (id 1): a known text sealed under the server's secret key, so that a
-- start with another key is refused instead of failing to decrypt later.
CREATE TABLE secret_key_check (
    id BIGINT NOT NULL PRIMARY KEY,
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
