"""The quarantine: events older than their application's backfill window.

The collector stores them in ``tracker_raw.events_quarantine`` instead of the
events table (DESIGN.md section 5). An operator lists them and either replays
them into ``tracker_raw.events`` (after checking they are genuine: a device
that was offline for weeks, an import) or discards them. Each status change
inserts a new row version; reads use FINAL.

Replayed rows are inserted with a deduplication token derived from their event
ids, so replaying the same selection twice (say, after a crash between the two
writes) stores each event once. An event older than its plan's retention is
deleted again by the events table's TTL.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Literal

from clickhouse_connect.driver.client import Client

from ingest_api.tables import EVENT_COLUMNS, QUARANTINE_COLUMNS

Status = Literal["quarantined", "replayed", "discarded"]
CHUNK = 10_000


@dataclass(frozen=True)
class Selection:
    """Which quarantined events an operation applies to (tenant first)."""

    company_id: uuid.UUID | None = None
    app_id: uuid.UUID | None = None
    event_ids: tuple[uuid.UUID, ...] = ()
    status: Status | None = "quarantined"

    def where(self) -> tuple[str, dict]:
        clauses, params = [], {}
        if self.company_id is not None:
            clauses.append("company_id = {company_id:UUID}")
            params["company_id"] = self.company_id
        if self.app_id is not None:
            clauses.append("app_id = {app_id:UUID}")
            params["app_id"] = self.app_id
        if self.event_ids:
            clauses.append("event_id IN {event_ids:Array(UUID)}")
            params["event_ids"] = list(self.event_ids)
        if self.status is not None:
            clauses.append("status = {status:String}")
            params["status"] = self.status
        return (" AND ".join(clauses) or "1"), params


def list_events(client: Client, selection: Selection, limit: int = 100) -> list[dict]:
    where, params = selection.where()
    result = client.query(
        f"""
        SELECT company_id, app_id, event_id, event, ts, customer_org_id, environment, reason,
               quarantined_at, status
        FROM tracker_raw.events_quarantine FINAL
        WHERE {where}
        ORDER BY company_id, app_id, quarantined_at, event_id
        LIMIT {{limit:UInt32}}
        """,
        parameters=params | {"limit": limit},
    )
    return list(result.named_results())


def count_events(client: Client, selection: Selection) -> int:
    where, params = selection.where()
    sql = f"SELECT count() FROM tracker_raw.events_quarantine FINAL WHERE {where}"
    return int(client.command(sql, parameters=params))


def _rows(client: Client, selection: Selection) -> list[dict]:
    where, params = selection.where()
    result = client.query(
        f"SELECT {', '.join(QUARANTINE_COLUMNS)} FROM tracker_raw.events_quarantine FINAL WHERE {where} "
        "ORDER BY company_id, app_id, event_id",
        parameters=params,
    )
    return list(result.named_results())


def _set_status(client: Client, rows: list[dict], status: Status) -> None:
    version = time.time_ns()
    changed = [[row[c] for c in QUARANTINE_COLUMNS[:-2]] + [status, version] for row in rows]
    client.insert("tracker_raw.events_quarantine", changed, column_names=list(QUARANTINE_COLUMNS))


def replay(client: Client, selection: Selection) -> int:
    """Insert the selected quarantined events into tracker_raw.events; returns how many."""
    rows = _rows(client, Selection(selection.company_id, selection.app_id, selection.event_ids, "quarantined"))
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        token = hashlib.sha256(b"quarantine-replay")
        for row in chunk:
            token.update(row["app_id"].bytes + row["event_id"].bytes)
        client.insert(
            "tracker_raw.events",
            [[row[c] for c in EVENT_COLUMNS] for row in chunk],
            column_names=list(EVENT_COLUMNS),
            settings={"insert_deduplication_token": token.hexdigest()},
        )
        _set_status(client, chunk, "replayed")
    return len(rows)


def discard(client: Client, selection: Selection) -> int:
    """Mark the selected quarantined events discarded (they stay queryable); returns how many."""
    rows = _rows(client, Selection(selection.company_id, selection.app_id, selection.event_ids, "quarantined"))
    for start in range(0, len(rows), CHUNK):
        _set_status(client, rows[start : start + CHUNK], "discarded")
    return len(rows)
