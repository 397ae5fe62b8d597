"""Reading and writing the control-plane tables in ClickHouse.

Every entity table is a ReplacingMergeTree(version): a change inserts a whole new
row with a higher version, and reads use FINAL to see one current row per key.
Versions come from a nanosecond clock that never goes backwards within a
process, so the latest write wins even when two land in the same millisecond.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from clickhouse_connect.driver.client import Client

from saas_tracker.clickhouse import get_client

DATABASE = "tracker_control"

_version_lock = threading.Lock()
_last_version = 0


def next_version() -> int:
    global _last_version
    with _version_lock:
        _last_version = max(_last_version + 1, time.time_ns())
        return _last_version


def utcnow() -> datetime:
    """Now in UTC at millisecond precision, the precision of DateTime64(3) columns."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def client() -> Client:
    return get_client()


def insert(table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert whole rows (dicts with the same keys) into ``tracker_control.<table>``."""
    if not rows:
        return
    columns = list(rows[0])
    client().insert(
        table,
        [[row[column] for column in columns] for row in rows],
        column_names=columns,
        database=DATABASE,
    )


def select(sql: str, parameters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a parameterised query as dicts."""
    result = client().query(sql, parameters=dict(parameters or {}))
    return list(result.named_results())


def as_utc(value: datetime | None) -> datetime | None:
    """ClickHouse returns naive or zone-aware datetimes depending on the column; make them aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
