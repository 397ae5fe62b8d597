"""Where spooled rows go: the table code stored in each spool record, and the
column order of its JSONCompactEachRow rows (saas_tracker/migrations/0001)."""

from __future__ import annotations

from saas_tracker.raw_events import EVENT_COLUMNS, QUARANTINE_COLUMNS

EVENTS = 1
QUARANTINE = 2


# table code -> (table, columns); loaded in this order within a segment.
TABLES: dict[int, tuple[str, tuple[str, ...]]] = {
    EVENTS: ("tracker_raw.events", EVENT_COLUMNS),
    QUARANTINE: ("tracker_raw.events_quarantine", QUARANTINE_COLUMNS),
}
