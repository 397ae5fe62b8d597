-- 0001: raw events and their quarantine (DESIGN.md section 3).
--
-- Every statement must stay idempotent (IF NOT EXISTS): two `saas-tracker migrate`
-- runs may execute it at the same time. Never edit this file once released: the
-- runner refuses a changed checksum. Change the schema in a new numbered file.

CREATE DATABASE IF NOT EXISTS tracker_raw;

-- The control-plane tables live in 0002; the database is created here too because
-- the migrations ledger (tracker_control.schema_migrations) lives in it.
CREATE DATABASE IF NOT EXISTS tracker_control;

-- One wide table for every tenant's events, exactly the stored whitelist.
-- Exactly-once is a property of the marts: this table may hold a duplicate
-- (app_id, event_id) after a retry or a replay; staging removes it. A plain
-- MergeTree (not Replacing) keeps inserts cheap and never rewrites history.
CREATE TABLE IF NOT EXISTS tracker_raw.events
(
    company_id      UUID,
    app_id          UUID,
    event_id        UUID,
    event           LowCardinality(String),
    -- Client time (`ts_epoch`) when the event carried one, else the collector's clock.
    ts              DateTime64(3, 'UTC'),
    -- An Enum rather than a free string: a wrong value fails the insert instead of
    -- silently creating a third kind of time.
    ts_source       Enum8('client' = 1, 'server' = 2),
    received_at     DateTime64(3, 'UTC'),
    customer_org_id String,
    -- Pseudonymous user: SHA-256/HMAC hex computed client-side, or '' for anonymous.
    -- Deliberately no CHECK constraint: ClickHouse would refuse the whole insert
    -- block for one bad value, so the collector validates each event and gives a
    -- bad one its own verdict instead.
    user_hash       String,
    session_id      String,
    path            String,
    environment     LowCardinality(String),
    plan            LowCardinality(String),
    -- Copied from the company's plan at ingest so the TTL below can honour each
    -- tenant's retention without a join (TTL expressions cannot read other tables).
    retention_days  UInt16 DEFAULT 400
)
ENGINE = MergeTree
-- Monthly partitions: a few hundred parts per year at most, and whole months can be
-- dropped or re-ingested cheaply.
PARTITION BY toYYYYMM(ts)
-- Tenant first, then the API's usual filters (application, organization, day,
-- event name); event_id last makes duplicates adjacent for staging's dedup.
ORDER BY (company_id, app_id, customer_org_id, toDate(ts), event, event_id)
TTL toDateTime(ts) + toIntervalDay(retention_days) DELETE
-- The collector retries and replays its spool with a deterministic
-- insert_deduplication_token; ClickHouse then drops a repeated block, but on a
-- non-replicated table only within this many recent inserts (about 15 minutes
-- of group commits at 10 per second).
SETTINGS non_replicated_deduplication_window = 10000;

-- Events the collector accepted but will not load yet: older than the
-- application's backfill window (default 35 days). An operator replays or
-- discards them. Each status change inserts a new row with a higher version;
-- ReplacingMergeTree(version) keeps the latest, so reads use FINAL.
CREATE TABLE IF NOT EXISTS tracker_raw.events_quarantine
(
    company_id      UUID,
    app_id          UUID,
    event_id        UUID,
    event           LowCardinality(String),
    ts              DateTime64(3, 'UTC'),
    ts_source       Enum8('client' = 1, 'server' = 2),
    received_at     DateTime64(3, 'UTC'),
    customer_org_id String,
    user_hash       String,
    session_id      String,
    path            String,
    environment     LowCardinality(String),
    plan            LowCardinality(String),
    retention_days  UInt16 DEFAULT 400,
    -- Why the event was held back, e.g. 'older_than_backfill_window'.
    reason          String,
    quarantined_at  DateTime64(3, 'UTC'),
    status          Enum8('quarantined' = 1, 'replayed' = 2, 'discarded' = 3),
    -- Monotonic per change (the writer uses a nanosecond clock), so the newest
    -- status wins after merges and in FINAL.
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
-- No partitioning: the table is small, and ReplacingMergeTree only collapses
-- versions within one partition, so every version of an event must share one.
ORDER BY (company_id, app_id, event_id)
-- The plan's retention applies here too. Every version of an event has the same
-- ts and retention_days, so they expire together and no older status resurfaces.
TTL toDateTime(ts) + toIntervalDay(retention_days) DELETE;
