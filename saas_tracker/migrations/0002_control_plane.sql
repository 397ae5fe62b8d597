-- 0002: the control plane (DESIGN.md section 1): companies, members, applications
-- and their ingest secrets, plans, subscriptions, feature definitions, API keys and
-- the audit log. Written by saas_tracker/control/; documented column by column in
-- saas_tracker/control/README.md.
--
-- Entity tables are ReplacingMergeTree(version): every change inserts a whole new
-- row with a higher `version` (a nanosecond clock), reads use FINAL to get one
-- current row per key, and `is_deleted = 1` marks a row that no longer exists.
-- The tables are tiny (one row per entity), so FINAL costs nothing measurable.
-- Never edit this file once released: put schema changes in a new numbered file.

CREATE DATABASE IF NOT EXISTS tracker_control;

CREATE TABLE IF NOT EXISTS tracker_control.companies
(
    company_id  UUID,
    name        String,
    status      LowCardinality(String),
    created_at  DateTime64(3, 'UTC'),
    updated_at  DateTime64(3, 'UTC'),
    version     UInt64,
    is_deleted  UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY company_id
COMMENT 'The tenants. status: active | archived.';

-- A person (email) may be a member of several companies, with one role in each.
CREATE TABLE IF NOT EXISTS tracker_control.members
(
    company_id  UUID,
    email       String,
    role        LowCardinality(String),
    added_at    DateTime64(3, 'UTC'),
    updated_at  DateTime64(3, 'UTC'),
    version     UInt64,
    is_deleted  UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (company_id, email)
COMMENT 'Company staff with a role per company: owner | admin | member | viewer.';

CREATE TABLE IF NOT EXISTS tracker_control.applications
(
    company_id            UUID,
    app_id                UUID,
    name                  String,
    environments          Array(String),
    status                LowCardinality(String),
    backfill_window_days  UInt16 DEFAULT 35,
    created_at            DateTime64(3, 'UTC'),
    updated_at            DateTime64(3, 'UTC'),
    version               UInt64,
    is_deleted            UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (company_id, app_id)
COMMENT 'Tracked products. status: active | archived. Empty environments = any label allowed.';

-- Ingest secrets, encrypted with TRACKER_SECRET_KEY (AES-GCM, see control/crypto.py).
-- A secret is valid while revoked_at is NULL and expires_at is NULL or in the future.
CREATE TABLE IF NOT EXISTS tracker_control.app_secrets
(
    company_id         UUID,
    app_id             UUID,
    secret_id          String,
    secret_ciphertext  String,
    created_at         DateTime64(3, 'UTC'),
    expires_at         Nullable(DateTime64(3, 'UTC')),
    revoked_at         Nullable(DateTime64(3, 'UTC')),
    version            UInt64,
    is_deleted         UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (company_id, app_id, secret_id)
COMMENT 'Application ingest secrets, encrypted at rest. Never exposed to dbt.';

-- The plan catalogue, loaded from saas_tracker/control/plans.yml. Not tenant data:
-- one row per plan. NULL limits mean unlimited. Retired plans stay (subscriptions
-- may still be on them) with status = 'retired'.
CREATE TABLE IF NOT EXISTS tracker_control.plans
(
    plan_key                String,
    name                    String,
    list_price              Decimal(12, 2),
    currency                LowCardinality(String),
    events_per_month        Nullable(UInt64),
    max_applications        Nullable(UInt32),
    retention_days          UInt16,
    overage_price_per_1000  Decimal(12, 4),
    feature_flags           Array(String),
    trial_days              Nullable(UInt16),
    grace_days              UInt16,
    sort_order              UInt16,
    status                  LowCardinality(String),
    updated_at              DateTime64(3, 'UTC'),
    version                 UInt64,
    is_deleted              UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY plan_key
COMMENT 'Plan catalogue (trial, starter, growth, enterprise). status: active | retired.';

-- Subscription terms as history: one row per period of unchanged terms. A plan
-- change or new overrides closes the open row (valid_to) and opens a new one, so
-- the terms in force at any moment are the row with valid_from <= t < valid_to.
-- Terms are copied from the plan when the period opens (later catalogue edits do
-- not change running subscriptions), with the overrides applied on top.
CREATE TABLE IF NOT EXISTS tracker_control.subscriptions
(
    company_id              UUID,
    valid_from              DateTime64(3, 'UTC'),
    period_id               UUID,
    valid_to                Nullable(DateTime64(3, 'UTC')),
    plan_key                LowCardinality(String),
    status                  LowCardinality(String),
    list_price              Decimal(12, 2),
    currency                LowCardinality(String),
    events_per_month        Nullable(UInt64),
    max_applications        Nullable(UInt32),
    retention_days          UInt16,
    overage_price_per_1000  Decimal(12, 4),
    feature_flags           Array(String),
    grace_days              UInt16,
    overrides               String,
    trial_ends_at           Nullable(DateTime64(3, 'UTC')),
    version                 UInt64,
    is_deleted              UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (company_id, valid_from, period_id)
COMMENT 'Subscription terms per period. The open period has valid_to NULL.';

-- What "using a feature" means for a company (optionally one application): events
-- named in event_names and/or whose path starts with path_prefix, in the listed
-- environments (empty = all), counted from valid_from. Retired definitions stay.
CREATE TABLE IF NOT EXISTS tracker_control.feature_definitions
(
    company_id    UUID,
    feature_key   String,
    name          String,
    description   String,
    app_id        Nullable(UUID),
    event_names   Array(String),
    path_prefix   Nullable(String),
    environments  Array(String),
    valid_from    Date,
    status        LowCardinality(String),
    retired_at    Nullable(DateTime64(3, 'UTC')),
    created_at    DateTime64(3, 'UTC'),
    updated_at    DateTime64(3, 'UTC'),
    version       UInt64,
    is_deleted    UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (company_id, feature_key)
COMMENT 'Feature definitions. status: active | retired.';

-- Metrics API keys: only a SHA-256 of the key is stored; key_id is its public prefix.
CREATE TABLE IF NOT EXISTS tracker_control.api_keys
(
    company_id  UUID,
    key_id      String,
    key_hash    String,
    name        String,
    scopes      Array(LowCardinality(String)),
    created_at  DateTime64(3, 'UTC'),
    created_by  String,
    expires_at  Nullable(DateTime64(3, 'UTC')),
    revoked_at  Nullable(DateTime64(3, 'UTC')),
    version     UInt64,
    is_deleted  UInt8 DEFAULT 0
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (company_id, key_id)
COMMENT 'Metrics API keys (hash only). Scopes: metrics:read, exports:read, admin.';

-- Every control-plane change, append-only. before/after are JSON snapshots of the
-- public entity (never a secret); '' when there is none (creation, deletion).
-- Catalogue changes that belong to no company use the nil UUID.
CREATE TABLE IF NOT EXISTS tracker_control.audit_log
(
    company_id   UUID,
    at           DateTime64(3, 'UTC'),
    audit_id     UUID,
    actor        String,
    entity_type  LowCardinality(String),
    entity_id    String,
    action       LowCardinality(String),
    before       String,
    after        String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (company_id, at, entity_type)
COMMENT 'Audit log of control-plane changes.';

-- One current row per entity, for dbt sources and ad-hoc SQL. Each hides the
-- bookkeeping columns (version, is_deleted) and deleted rows.

CREATE OR REPLACE VIEW tracker_control.current_companies AS
SELECT company_id, name, status, created_at, updated_at
FROM tracker_control.companies FINAL
WHERE is_deleted = 0;

CREATE OR REPLACE VIEW tracker_control.current_members AS
SELECT company_id, email, role, added_at, updated_at
FROM tracker_control.members FINAL
WHERE is_deleted = 0;

CREATE OR REPLACE VIEW tracker_control.current_applications AS
SELECT company_id, app_id, name, environments, status, backfill_window_days, created_at, updated_at
FROM tracker_control.applications FINAL
WHERE is_deleted = 0;

CREATE OR REPLACE VIEW tracker_control.current_plans AS
SELECT
    plan_key, name, list_price, currency, events_per_month, max_applications, retention_days,
    overage_price_per_1000, feature_flags, trial_days, grace_days, sort_order, status, updated_at
FROM tracker_control.plans FINAL
WHERE is_deleted = 0;

-- Every period of every subscription (history); the open one has valid_to NULL.
CREATE OR REPLACE VIEW tracker_control.subscription_periods AS
SELECT
    company_id, period_id, plan_key, status, list_price, currency, events_per_month,
    max_applications, retention_days, overage_price_per_1000, feature_flags, grace_days,
    overrides, trial_ends_at, valid_from, valid_to
FROM tracker_control.subscriptions FINAL
WHERE is_deleted = 0;

-- The terms in force now, one row per company, with the current calendar-month
-- billing period (UTC).
CREATE OR REPLACE VIEW tracker_control.current_subscriptions AS
SELECT
    company_id, period_id, plan_key, status, list_price, currency, events_per_month,
    max_applications, retention_days, overage_price_per_1000, feature_flags, grace_days,
    overrides, trial_ends_at, valid_from,
    toStartOfMonth(toDate(now(), 'UTC')) AS current_period_start,
    toLastDayOfMonth(toDate(now(), 'UTC')) AS current_period_end
FROM tracker_control.subscriptions FINAL
WHERE is_deleted = 0 AND valid_to IS NULL;

CREATE OR REPLACE VIEW tracker_control.current_feature_definitions AS
SELECT
    company_id, feature_key, name, description, app_id, event_names, path_prefix, environments,
    valid_from, status, retired_at, created_at, updated_at
FROM tracker_control.feature_definitions FINAL
WHERE is_deleted = 0;
