-- 0003: bookkeeping of deletion requests (right to erasure): every event of one user
-- (user_hash) or one customer organization of a company, removed from raw events, the
-- quarantine and every model, then the affected days rebuilt. Written by the Dagster
-- job `deletion_request` (orchestration/defs/jobs/deletion.py).
--
-- ReplacingMergeTree(version) like the other control-plane tables: each state change
-- (pending -> running -> completed | failed) inserts the whole row again with a higher
-- version; read through current_deletion_requests. The subject is kept so an operator
-- can prove completion and re-apply the request if a replay (spool, quarantine) brings
-- the data back; it is a pseudonym or an organization id, never a person's name.
-- Never edit this file once released: put schema changes in a new numbered file.

CREATE TABLE IF NOT EXISTS tracker_control.deletion_requests
(
    company_id        UUID,
    request_id        UUID,
    subject_type      LowCardinality(String),
    subject           String,
    status            LowCardinality(String),
    requested_by      String,
    requested_at      DateTime64(3, 'UTC'),
    updated_at        DateTime64(3, 'UTC'),
    completed_at      Nullable(DateTime64(3, 'UTC')),
    -- Raw event copies deleted, and the first and last day they were on (the days rebuilt).
    raw_rows_deleted  UInt64 DEFAULT 0,
    first_day         Nullable(Date),
    last_day          Nullable(Date),
    -- Model tables the subject was deleted from (database.table).
    tables_cleared    Array(String),
    -- Rows of the subject found anywhere after completion: 0, or the request failed.
    rows_remaining    UInt64 DEFAULT 0,
    run_id            String,
    message           String,
    version           UInt64,
    is_deleted        UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (company_id, request_id)
COMMENT 'Deletion requests. subject_type: user | organization. status: pending | running | completed | failed.';

CREATE OR REPLACE VIEW tracker_control.current_deletion_requests AS
SELECT
    company_id, request_id, subject_type, subject, status, requested_by, requested_at, updated_at,
    completed_at, raw_rows_deleted, first_day, last_day, tables_cleared, rows_remaining, run_id, message
FROM tracker_control.deletion_requests FINAL
WHERE is_deleted = 0;
