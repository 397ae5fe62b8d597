"""POST /v1/query: a safe query builder over the deduplicated events.

The request is a closed vocabulary (metric, filters, group-by dimensions). Every piece of
SQL text comes from the fixed tables below; every user value is a ``{name:Type}`` bind.

Four sources give identical answers; a request reads the smallest that holds what it
filters and groups on (``sources_for``):

- ``api_organization_events_daily``: one row per company, day, organization, plan and
  environment (event counts, exact uniqExact states of users and sessions);
- ``api_events_daily``: the same with the event name, for event filters and grouping;
- ``api_path_events_daily``: the same with the path instead, for path-prefix filters;
- ``api_events``: one row per event, for a path prefix together with event names.

tests/metrics_api/test_query.py checks that all of them agree on random requests.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from metrics_api.deps import TenantDep, require_scope
from metrics_api.params import MAX_DATE, MIN_DATE
from metrics_api.settings import metrics_settings

router = APIRouter(prefix="/v1/query", tags=["query"], dependencies=[Depends(require_scope("metrics:read"))])

# metric -> aggregate over api_events (one row per event).
METRICS = {
    "count": "count()",
    "unique_users": "uniqExactIf(user_hash, user_hash != '')",
    "unique_organizations": "uniqExactIf(customer_org_id, customer_org_id != '')",
    "unique_sessions": "uniqExactIf((app_id, client_session_id), client_session_id != '')",
}
# metric -> the same aggregate over the rollups, whose states were built with the
# expressions above (dbt_project/models/api/api_events_daily.sql).
ROLLUP_METRICS = {
    "count": "sum(event_count)",
    "unique_users": "uniqExactMerge(users_state)",
    "unique_organizations": "uniqExactIf(customer_org_id, customer_org_id != '')",
    "unique_sessions": "uniqExactMerge(sessions_state)",
}
# The sources, in order of preference (smallest first).
SOURCES = ("api_organization_events_daily", "api_events_daily", "api_path_events_daily", "api_events")
DIMENSIONS = {
    "day": "toString(event_date)",
    "week": "toString(toMonday(event_date))",
    "month": "toString(toStartOfMonth(event_date))",
    "event": "event_name",
    "organization": "customer_org_id",
    "plan": "org_plan",
    "environment": "environment",
}
Name = Field(min_length=1, max_length=256)


class QueryFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[str] | None = Field(default=None, max_length=100, examples=[["page_view", "login"]])
    path_prefix: str | None = Field(default=None, max_length=1000, examples=["/dashboards"])
    organizations: list[str] | None = Field(default=None, max_length=1000, examples=[["org_42"]])
    environments: list[str] | None = Field(default=None, max_length=50, examples=[["production"]])
    plans: list[str] | None = Field(default=None, max_length=50, examples=[["pro"]])
    start: date = Field(alias="from", ge=MIN_DATE, le=MAX_DATE, examples=["2025-05-01"])
    end: date = Field(alias="to", ge=MIN_DATE, le=MAX_DATE, examples=["2025-05-31"])


class QueryIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "metric": "unique_users",
                    "filters": {"from": "2025-05-01", "to": "2025-05-31", "events": ["page_view"]},
                    "group_by": ["week", "plan"],
                    "limit": 100,
                }
            ]
        },
    )

    metric: Literal["count", "unique_users", "unique_organizations", "unique_sessions"]
    filters: QueryFilters
    group_by: list[Literal["day", "week", "month", "event", "organization", "plan", "environment"]] = Field(
        default_factory=list, max_length=3
    )
    limit: int = Field(default=1000, ge=1, le=10_000)


class QueryRowOut(BaseModel):
    dimensions: dict[str, str]
    value: int


class QueryOut(BaseModel):
    metric: str
    group_by: list[str]
    rows: list[QueryRowOut]
    truncated: bool = Field(description="True when more groups exist than `limit`.")


def sources_for(body: QueryIn) -> tuple[str, ...]:
    """The relations that can answer ``body``, in order of preference."""
    by_event = body.filters.events is not None or "event" in body.group_by
    by_path = body.filters.path_prefix is not None
    if by_event and by_path:
        return ("api_events",)
    if by_path:
        return ("api_path_events_daily", "api_events")
    if by_event:
        return ("api_events_daily", "api_events")
    return SOURCES


def compile_query(body: QueryIn, source: str | None = None) -> tuple[str, dict[str, Any]]:
    """(SQL, parameters). Only fixed strings from METRICS/DIMENSIONS become SQL text.

    ``source`` forces one relation of SOURCES (tests compare them); by default the
    smallest that can answer.
    """
    f = body.filters
    if len(set(body.group_by)) != len(body.group_by):
        raise HTTPException(400, "group_by: each dimension may appear once")
    if f.start > f.end:
        raise HTTPException(400, "filters.from: must be on or before filters.to")
    max_days = metrics_settings().max_query_range_days
    if f.end - f.start > timedelta(days=max_days - 1):
        raise HTTPException(400, f"filters.from: the range may span at most {max_days} days")
    where = ["company_id = {company_id:UUID}", "event_date BETWEEN {start:Date} AND {end:Date}"]
    params: dict[str, Any] = {"start": f.start, "end": f.end, "limit": body.limit + 1}
    for name, column, values in (
        ("events", "event_name", f.events),
        ("organizations", "customer_org_id", f.organizations),
        ("environments", "environment", f.environments),
        ("plans", "org_plan", f.plans),
    ):
        if values is not None:
            where.append(f"{column} IN {{{name}:Array(String)}}")
            params[name] = values
    if f.path_prefix is not None:
        where.append("startsWith(path, {path_prefix:String})")
        params["path_prefix"] = f.path_prefix
    usable = sources_for(body)
    relation = source or usable[0]
    if relation not in usable:
        raise ValueError(f"{relation} cannot answer this request")
    select = [f"{DIMENSIONS[d]} AS d_{d}" for d in body.group_by]
    select.append(f"{(METRICS if relation == 'api_events' else ROLLUP_METRICS)[body.metric]} AS value")
    sql = f"SELECT {', '.join(select)} FROM {{db:Identifier}}.{relation} WHERE {' AND '.join(where)}"
    if body.group_by:
        keys = ", ".join(f"d_{d}" for d in body.group_by)
        sql += f" GROUP BY {keys} ORDER BY {keys}"
    sql += " LIMIT {limit:UInt32}"
    return sql, params


@router.post("", response_model=QueryOut, summary="Run a metric query (metric, filters, group by)")
def run_query(body: QueryIn, tq: TenantDep) -> QueryOut:
    sql, params = compile_query(body)
    rows = tq.rows(sql, **params)
    truncated = len(rows) > body.limit
    return QueryOut(
        metric=body.metric,
        group_by=list(body.group_by),
        rows=[
            QueryRowOut(dimensions={d: str(r[f"d_{d}"]) for d in body.group_by}, value=r["value"])
            for r in rows[: body.limit]
        ],
        truncated=truncated,
    )
