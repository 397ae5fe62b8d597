"""The event explorer: deduplicated raw events in a bounded time range, newest first."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from metrics_api.deps import TenantDep, require_scope
from metrics_api.settings import metrics_settings

router = APIRouter(prefix="/v1/events", tags=["events"], dependencies=[Depends(require_scope("metrics:read"))])

MIN_TIME = datetime(1970, 1, 2)
MAX_TIME = datetime(2149, 6, 1)


class EventOut(BaseModel):
    event_id: uuid.UUID
    app_id: uuid.UUID
    event_name: str = Field(examples=["page_view"])
    event_at: datetime
    received_at: datetime
    customer_org_id: str
    user_hash: str
    client_session_id: str
    path: str
    environment: str
    org_plan: str


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last page.")


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if not MIN_TIME <= value <= MAX_TIME:
        raise HTTPException(400, f"{name}: {value.isoformat()} is out of range")
    return value


def encode_cursor(event_at: datetime, event_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(json.dumps([event_at.isoformat(), str(event_id)]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, event_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return _utc(datetime.fromisoformat(at), "cursor"), uuid.UUID(event_id)
    except HTTPException:
        raise
    except Exception:
        raise HTTPException(400, "cursor: not a cursor returned by this endpoint") from None


@router.get("", response_model=EventPage, summary="Explore events (bounded time range, cursor pagination)")
def list_events(
    tq: TenantDep,
    start: Annotated[datetime | None, Query(alias="from", examples=["2025-06-01T00:00:00Z"])] = None,
    end: Annotated[datetime | None, Query(alias="to", examples=["2025-06-02T00:00:00Z"])] = None,
    event: str | None = Query(default=None, max_length=200, examples=["page_view"]),
    customer_org_id: str | None = Query(default=None, max_length=256),
    app_id: uuid.UUID | None = None,
    environment: str | None = Query(default=None, max_length=100),
    path_prefix: str | None = Query(default=None, max_length=1000, examples=["/dashboards"]),
    user_hash: str | None = Query(default=None, max_length=128),
    limit: int = Query(default=100, ge=1, le=1000),
    cursor: str | None = Query(default=None, max_length=500),
) -> EventPage:
    """Events with ``from <= event_at < to``; the range defaults to the last 24 hours and may
    span at most ``TRACKER_METRICS_MAX_EVENT_RANGE_DAYS`` days."""
    end = _utc(end, "to") if end else datetime.now(UTC).replace(tzinfo=None)
    start = _utc(start, "from") if start else end - timedelta(days=1)
    max_days = metrics_settings().max_event_range_days
    if start >= end:
        raise HTTPException(400, "from: must be before `to`")
    if end - start > timedelta(days=max_days):
        raise HTTPException(400, f"from: the time range may span at most {max_days} days")
    # event_date repeats the time range as days: api_events is partitioned by day, and only
    # a condition on the partition column lets ClickHouse skip the other days' parts.
    where = (
        "company_id = {company_id:UUID} AND event_date BETWEEN toDate({start:DateTime64(3)}, 'UTC') AND "
        "toDate({end:DateTime64(3)}, 'UTC') AND event_at >= {start:DateTime64(3)} AND event_at < {end:DateTime64(3)}"
    )
    params = {"start": start, "end": end, "limit": limit}
    filters = {
        "event": ("event_name = {event:String}", event),
        "org": ("customer_org_id = {org:String}", customer_org_id),
        "app_id": ("app_id = {app_id:UUID}", app_id),
        "environment": ("environment = {environment:String}", environment),
        "path_prefix": ("startsWith(path, {path_prefix:String})", path_prefix),
        "user_hash": ("user_hash = {user_hash:String}", user_hash),
    }
    for name, (condition, value) in filters.items():
        if value is not None:
            where += f" AND {condition}"
            params[name] = value
    if cursor:
        params["c_at"], params["c_id"] = decode_cursor(cursor)
        where += " AND (event_at, event_id) < ({c_at:DateTime64(3)}, {c_id:UUID})"
    rows = tq.rows(
        "SELECT event_id, app_id, event_name, event_at, received_at, customer_org_id, user_hash, client_session_id, "
        f"path, environment, org_plan FROM {{db:Identifier}}.api_events WHERE {where} "
        "ORDER BY event_at DESC, event_id DESC LIMIT {limit:UInt32}",
        **params,
    )
    items = [EventOut(**r) for r in rows]
    next_cursor = encode_cursor(items[-1].event_at, items[-1].event_id) if len(items) == limit else None
    return EventPage(items=items, next_cursor=next_cursor)
