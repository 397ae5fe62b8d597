"""Shared query parameters and their checks (dates ClickHouse can hold, bounded ranges)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import HTTPException, Query

# ClickHouse Date covers 1970-01-01 .. 2149-06-06; anything outside is a client error, not a 500.
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(2149, 6, 1)

DateFrom = Query(default=None, alias="from", description="First day, YYYY-MM-DD (UTC).", examples=["2025-05-01"])
DateTo = Query(default=None, alias="to", description="Last day, YYYY-MM-DD (UTC).", examples=["2025-05-31"])


def check_range(start: date | None, end: date | None, *, default_days: int, max_days: int) -> tuple[date, date]:
    """(from, to) with defaults (the last ``default_days`` days); 400 naming the field otherwise."""
    for name, value in (("from", start), ("to", end)):
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise HTTPException(400, f"{name}: {value} is outside {MIN_DATE}..{MAX_DATE}")
    end = end or min(datetime.now(UTC).date(), MAX_DATE)
    start = start or max(end - timedelta(days=default_days - 1), MIN_DATE)
    if start > end:
        raise HTTPException(400, "from: must be on or before `to`")
    if (end - start).days + 1 > max_days:
        raise HTTPException(400, f"from: the range may span at most {max_days} days")
    return start, end
