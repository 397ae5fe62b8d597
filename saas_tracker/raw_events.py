"""The column order of the raw event tables (saas_tracker/migrations/0001_raw_events.sql).

The collector's spool, the test fixtures and anything else that inserts raw
events by position take the order from here, so a new column is added once.
"""

from __future__ import annotations

EVENT_COLUMNS = (
    "company_id",
    "app_id",
    "event_id",
    "event",
    "ts",
    "ts_source",
    "received_at",
    "customer_org_id",
    "user_hash",
    "session_id",
    "path",
    "environment",
    "plan",
    "retention_days",
)
QUARANTINE_COLUMNS = EVENT_COLUMNS + ("reason", "quarantined_at", "status", "version")
