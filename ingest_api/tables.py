"""Where spooled rows go: the table code stored in each spool record, and the
column order of its JSONCompactEachRow rows (saas_tracker/migrations/0001)."""

from __future__ import annotations

EVENTS = 1
QUARANTINE = 2

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

# table code -> (table, columns); loaded in this order within a segment.
TABLES: dict[int, tuple[str, tuple[str, ...]]] = {
    EVENTS: ("tracker_raw.events", EVENT_COLUMNS),
    QUARANTINE: ("tracker_raw.events_quarantine", QUARANTINE_COLUMNS),
}
