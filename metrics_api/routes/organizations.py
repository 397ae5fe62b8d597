"""Organizations: the list with health, one organization's detail, its health history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field

from metrics_api.deps import TenantDep, require_scope
from metrics_api.params import check_range

router = APIRouter(
    prefix="/v1/organizations", tags=["organizations"], dependencies=[Depends(require_scope("metrics:read"))]
)

OrgId = Path(min_length=1, max_length=256, examples=["org_42"], description="The organization id your app sends.")

# Sort keys -> ORDER BY text. Only these fixed strings ever reach the SQL.
SORTS = {
    "health_score": "health_score ASC NULLS FIRST, customer_org_id",
    "-health_score": "health_score DESC NULLS LAST, customer_org_id",
    "last_seen_at": "last_seen_at ASC, customer_org_id",
    "-last_seen_at": "last_seen_at DESC, customer_org_id",
    "events_28d": "events_28d ASC, customer_org_id",
    "-events_28d": "events_28d DESC, customer_org_id",
    "customer_org_id": "customer_org_id ASC",
    "-customer_org_id": "customer_org_id DESC",
}


class OrganizationOut(BaseModel):
    customer_org_id: str = Field(examples=["org_42"])
    plan: str = Field(examples=["pro"], description="The plan label your app last sent for the organization.")
    health_score: int | None = Field(examples=[83], description="0-100; null before the first health score.")
    health_tier: str | None = Field(examples=["healthy"])
    health_trend: str | None = Field(examples=["improving"])
    health_score_change: int | None = None
    health_date: date | None = Field(description="The day of the latest health score.")
    first_seen_at: datetime
    last_seen_at: datetime
    days_since_last_seen: int
    active_users_7d: int
    active_users_28d: int
    users: int
    events_28d: int
    event_count: int
    application_count: int
    is_active_28d: bool
    as_of_date: date


class OrganizationPage(BaseModel):
    items: list[OrganizationOut]
    total: int = Field(description="Organizations matching the filters.")
    limit: int
    offset: int


class HealthComponentOut(BaseModel):
    name: str = Field(examples=["user_breadth"])
    value: float | None
    grade: str = Field(examples=["healthy"])
    contribution: float


class HealthOut(BaseModel):
    health_date: date
    health_score: int
    health_tier: str
    health_trend: str
    score_change: int | None
    components: list[HealthComponentOut]
    explanation: list[str]


class AdoptionOut(BaseModel):
    feature_key: str
    feature_name: str
    is_adopted: bool
    first_used_at: datetime | None
    last_used_at: datetime | None
    event_count: int
    users: int
    active_days_in_window: int


class ActivityDayOut(BaseModel):
    activity_date: date
    event_count: int
    active_users: int
    session_count: int
    session_seconds: int
    features_used: int = Field(description="Distinct features used that day.")


class SessionSummaryOut(BaseModel):
    sessions: int
    avg_duration_seconds: float | None
    avg_events: float | None


class OrganizationDetailOut(BaseModel):
    organization: OrganizationOut
    health: HealthOut | None
    adoption: list[AdoptionOut]
    sessions: SessionSummaryOut = Field(description="Sessions started in the 28 days up to the as-of date.")
    activity: list[ActivityDayOut] = Field(description="The last 28 days with events, newest first.")


class HealthHistoryOut(BaseModel):
    customer_org_id: str
    items: list[HealthOut]


COMPONENTS = ("activity_trend", "user_breadth", "feature_breadth", "recency", "engagement")


def _health(row: dict[str, Any]) -> HealthOut:
    return HealthOut(
        health_date=row["health_date"],
        health_score=row["health_score"],
        health_tier=row["health_tier"],
        health_trend=row["health_trend"],
        score_change=row["score_change"],
        explanation=list(row["explanation"]),
        components=[
            HealthComponentOut(
                name=c, value=row[f"{c}_value"], grade=row[f"{c}_grade"], contribution=row[f"{c}_contribution"]
            )
            for c in COMPONENTS
        ],
    )


@router.get("", response_model=OrganizationPage, summary="Organizations with health, tier, trend and activity")
def list_organizations(
    tq: TenantDep,
    tier: Literal["healthy", "neutral", "at_risk"] | None = Query(default=None, description="Only this health tier."),
    plan: str | None = Query(default=None, max_length=200, examples=["pro"]),
    active: bool | None = Query(default=None, description="Only organizations (in)active in the last 28 days."),
    sort: Literal[tuple(SORTS)] = Query(default="-health_score"),  # type: ignore[valid-type]
    limit: int = Query(default=50, ge=1, le=500),
    offset: int = Query(default=0, ge=0, le=1_000_000),
) -> OrganizationPage:
    where = "company_id = {company_id:UUID}"
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if tier is not None:
        where += " AND health_tier = {tier:String}"
        params["tier"] = tier
    if plan is not None:
        where += " AND org_plan = {plan:String}"
        params["plan"] = plan
    if active is not None:
        where += " AND is_active_28d = {active:Bool}"
        params["active"] = active
    rows = tq.rows(
        "SELECT summary, count() OVER () AS total FROM {db:Identifier}.api_organizations "
        f"WHERE {where} ORDER BY {SORTS[sort]} LIMIT {{limit:UInt32}} OFFSET {{offset:UInt32}}",
        **params,
    )
    if rows or offset == 0:
        total = rows[0]["total"] if rows else 0
    else:  # a page past the end still reports how many there are
        total = tq.one(f"SELECT count() AS total FROM {{db:Identifier}}.api_organizations WHERE {where}", **params)[
            "total"
        ]
    items = [OrganizationOut(**r["summary"]) for r in rows]
    return OrganizationPage(items=items, total=total, limit=limit, offset=offset)


def _organization(tq: TenantDep, org_id: str, detail: bool = False) -> dict[str, Any]:
    """The organization's packed columns (dbt_project/models/api/api_organizations.sql):
    ``summary``, a list item, and with ``detail`` the rest of its detail page; 404 if unknown."""
    row = tq.one(
        f"SELECT summary{', detail' if detail else ''} FROM {{db:Identifier}}.api_organizations "
        "WHERE company_id = {company_id:UUID} AND customer_org_id = {org:String}",
        org=org_id,
    )
    if row is None:
        raise HTTPException(404, f"customer_org_id: no organization {org_id!r}")
    return row


@router.get("/{customer_org_id}", response_model=OrganizationDetailOut, summary="One organization in detail")
def get_organization(tq: TenantDep, customer_org_id: str = OrgId) -> OrganizationDetailOut:
    row = _organization(tq, customer_org_id, detail=True)
    summary, detail = row["summary"], row["detail"]
    sessions = detail["sessions_28d"]
    return OrganizationDetailOut(
        organization=OrganizationOut(**summary),
        # The latest health's fields carry the health history's names, so _health reads both.
        health=_health(summary | detail) if summary["health_date"] is not None else None,
        adoption=[AdoptionOut(**a) for a in detail["adoption"]],
        sessions=SessionSummaryOut(
            sessions=sessions,
            avg_duration_seconds=detail["avg_session_seconds_28d"] if sessions else None,
            avg_events=detail["avg_session_events_28d"] if sessions else None,
        ),
        activity=[ActivityDayOut(**a) for a in detail["activity_28d"]],
    )


@router.get("/{customer_org_id}/health", response_model=HealthHistoryOut, summary="Daily health history")
def health_history(
    tq: TenantDep,
    customer_org_id: str = OrgId,
    start: Annotated[date | None, Query(alias="from", description="First day (default: 90 days back).")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day (default: the as-of date).")] = None,
) -> HealthHistoryOut:
    params: dict[str, Any] = {"org": customer_org_id}
    if end is None and start is not None:
        # `from` is checked against the default `to`, the organization's as-of date.
        end = _organization(tq, customer_org_id)["summary"]["as_of_date"]
    if end is None:
        # The default range, the 90 days up to the organization's as-of date, is found in
        # the same query: one warehouse round trip instead of two.
        window = (
            "WITH (SELECT as_of_date FROM {db:Identifier}.api_organizations WHERE company_id = {company_id:UUID} "
            "AND customer_org_id = {org:String}) AS as_of "
        )
        days = "health_date BETWEEN as_of - 89 AND as_of"
    else:
        params["start"], params["end"] = check_range(start, end, default_days=90, max_days=3660)
        window, days = "", "health_date BETWEEN {start:Date} AND {end:Date}"
    rows = tq.rows(
        f"{window}SELECT health FROM {{db:Identifier}}.api_organization_health_daily "
        f"WHERE company_id = {{company_id:UUID}} AND customer_org_id = {{org:String}} AND {days} ORDER BY health_date",
        **params,
    )
    if not rows:
        _organization(tq, customer_org_id)  # 404 for an unknown organization; else the range is just empty
    return HealthHistoryOut(customer_org_id=customer_org_id, items=[_health(r["health"]) for r in rows])
