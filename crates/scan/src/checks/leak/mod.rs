//! Data exposure checks: tokens and secrets leaking through error pages, files, logs and responses.
