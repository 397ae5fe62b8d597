"""Company-wide analytics: feature adoption, active users, retention, sessions, plan usage."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from metrics_api.deps import TenantDep, require_scope
from metrics_api.params import DateFrom, DateTo, check_range

router = APIRouter(prefix="/v1", tags=["analytics"], dependencies=[Depends(require_scope("metrics:read"))])


# --- feature adoption ------------------------------------------------------------


class FeatureAdoptionOut(BaseModel):
    feature_key: str = Field(examples=["dashboards"])
    feature_name: str
    feature_status: str
    org_plan: str = Field(examples=["pro"], description="'(all)' for the overall row; '(none)' for no plan label.")
    active_organizations: int
    adopting_organizations: int
    adoption_rate: float | None = Field(examples=[0.5])


class FeatureAdoptionReport(BaseModel):
    overall: list[FeatureAdoptionOut]
    by_plan: list[FeatureAdoptionOut]


@router.get("/features/adoption", response_model=FeatureAdoptionReport, summary="Feature adoption, overall and by plan")
def feature_adoption(
    tq: TenantDep, feature_key: str | None = Query(default=None, max_length=200, examples=["dashboards"])
) -> FeatureAdoptionReport:
    where = "company_id = {company_id:UUID}"
    if feature_key is not None:
        where += " AND feature_key = {feature_key:String}"
    rows = tq.rows(
        "SELECT feature_key, feature_name, feature_status, org_plan, active_organizations, adopting_organizations, "
        f"adoption_rate FROM {{db:Identifier}}.api_feature_adoption_by_plan WHERE {where} "
        "ORDER BY feature_key, org_plan",
        feature_key=feature_key,
    )
    items = [FeatureAdoptionOut(**r) for r in rows]
    return FeatureAdoptionReport(
        overall=[i for i in items if i.org_plan == "(all)"], by_plan=[i for i in items if i.org_plan != "(all)"]
    )


# --- active users ------------------------------------------------------------------


class ActiveUsersPointOut(BaseModel):
    period_start: date
    app_id: uuid.UUID | None = Field(description="Null for the whole company.")
    active_users: int = Field(description="Distinct users in the period (DAU, WAU or MAU).")


class ActiveUsersOut(BaseModel):
    grain: str
    by: str
    items: list[ActiveUsersPointOut]


# grain -> (column, period start expression). WAU/MAU are trailing windows, so the value on
# a period's last day with data is that period's count.
GRAINS = {
    "day": ("dau", "metric_date"),
    "week": ("wau", "toMonday(metric_date)"),
    "month": ("mau", "toStartOfMonth(metric_date)"),
}


@router.get("/active-users", response_model=ActiveUsersOut, summary="Active users over time")
def active_users(
    tq: TenantDep,
    grain: Literal["day", "week", "month"] = "day",
    by: Literal["company", "application"] = Query(default="company", description="One series, or one per application."),
    start: date | None = DateFrom,
    end: date | None = DateTo,
) -> ActiveUsersOut:
    start, end = check_range(start, end, default_days=90, max_days=3660)
    column, period = GRAINS[grain]
    rows = tq.rows(
        f"SELECT {period} AS period_start, if({{by:String}} = 'company', NULL, app_id) AS app_id, "
        f"argMax({column}, metric_date) AS active_users FROM {{db:Identifier}}.api_active_users_daily "
        "WHERE company_id = {company_id:UUID} AND dimension = {by:String} "
        "AND metric_date BETWEEN {start:Date} AND {end:Date} "
        "GROUP BY period_start, app_id ORDER BY period_start, app_id",
        by=by,
        start=start,
        end=end,
    )
    return ActiveUsersOut(grain=grain, by=by, items=[ActiveUsersPointOut(**r) for r in rows])


# --- retention -------------------------------------------------------------------------


class RetentionPeriodOut(BaseModel):
    period_number: int
    period_start: date
    retained_count: int
    retention_rate: float


class RetentionCohortOut(BaseModel):
    cohort_start: date
    cohort_size: int
    periods: list[RetentionPeriodOut]


class RetentionOut(BaseModel):
    cohort_type: str
    period_grain: str | None
    cohorts: list[RetentionCohortOut]


@router.get("/retention", response_model=RetentionOut, summary="Retention cohorts (organizations or users)")
def retention(
    tq: TenantDep,
    cohort_type: Literal["organization", "user"] = "organization",
    start: date | None = DateFrom,
    end: date | None = DateTo,
) -> RetentionOut:
    start, end = check_range(start, end, default_days=365, max_days=3660)
    rows = tq.rows(
        "SELECT period_grain, cohort_start, cohort_size, period_number, period_start, retained_count, retention_rate "
        "FROM {db:Identifier}.api_retention_cohorts WHERE company_id = {company_id:UUID} "
        "AND cohort_type = {cohort_type:String} AND cohort_start BETWEEN {start:Date} AND {end:Date} "
        "ORDER BY cohort_start, period_number",
        cohort_type=cohort_type,
        start=start,
        end=end,
    )
    cohorts: dict[date, RetentionCohortOut] = {}
    for r in rows:
        cohort = cohorts.setdefault(
            r["cohort_start"],
            RetentionCohortOut(cohort_start=r["cohort_start"], cohort_size=r["cohort_size"], periods=[]),
        )
        cohort.periods.append(RetentionPeriodOut(**{k: r[k] for k in RetentionPeriodOut.model_fields}))
    grain = rows[0]["period_grain"] if rows else None
    return RetentionOut(cohort_type=cohort_type, period_grain=grain, cohorts=list(cohorts.values()))


# --- sessions ----------------------------------------------------------------------------


class SessionStatsOut(BaseModel):
    start: date
    end: date
    sessions: int
    users: int
    avg_duration_seconds: float | None
    median_duration_seconds: float | None
    p90_duration_seconds: float | None
    avg_events: float | None
    bounce_rate: float | None = Field(description="Share of sessions with one event.")


# Read from api_sessions_daily, a rollup of api_sessions at the grain of the filters
# (company, day, application, organization) whose statistics are exact: see
# tests/metrics_api/test_analytics.py, which compares it with the sessions themselves.
@router.get("/sessions/stats", response_model=SessionStatsOut, summary="Session statistics")
def session_stats(
    tq: TenantDep,
    start: date | None = DateFrom,
    end: date | None = DateTo,
    app_id: uuid.UUID | None = None,
    customer_org_id: str | None = Query(default=None, max_length=256),
) -> SessionStatsOut:
    start, end = check_range(start, end, default_days=28, max_days=3660)
    where = "company_id = {company_id:UUID} AND session_start_date BETWEEN {start:Date} AND {end:Date}"
    if app_id is not None:
        where += " AND app_id = {app_id:UUID}"
    if customer_org_id is not None:
        where += " AND customer_org_id = {org:String}"
    # Both quantiles in one pass over the durations (quantilesExact picks the same
    # elements as two quantileExact calls would).
    row = tq.one(
        "SELECT sessions, users, if(sessions = 0, NULL, duration_sum / sessions) AS avg_duration_seconds, "
        "if(sessions = 0, NULL, quantiles[1]) AS median_duration_seconds, "
        "if(sessions = 0, NULL, quantiles[2]) AS p90_duration_seconds, "
        "if(sessions = 0, NULL, event_sum / sessions) AS avg_events, "
        "if(sessions = 0, NULL, bounces / sessions) AS bounce_rate "
        "FROM (SELECT sum(session_count) AS sessions, uniqExactMerge(users_state) AS users, "
        "sum(duration_seconds_sum) AS duration_sum, sum(event_count_sum) AS event_sum, sum(bounce_count) AS bounces, "
        "quantilesExactArray(0.5, 0.9)(durations) AS quantiles "
        f"FROM {{db:Identifier}}.api_sessions_daily WHERE {where})",
        start=start,
        end=end,
        app_id=app_id,
        org=customer_org_id,
    )
    return SessionStatsOut(start=start, end=end, **row)


# --- plan usage ----------------------------------------------------------------------------


class PlanUsageOut(BaseModel):
    usage_month: date
    is_current_month: bool
    has_subscription: bool
    plan_key: str
    currency: str
    list_price: float
    event_count: int
    events_limit: int | None
    events_limit_used_pct: float | None
    overage_events: int
    overage_cost: float
    is_over_events_limit: bool
    application_count: int
    applications_limit: int | None
    is_over_applications_limit: bool
    organization_count: int
    suggested_plan_key: str
    is_plan_change_suggested: bool


class PlanUsageReport(BaseModel):
    items: list[PlanUsageOut]


@router.get("/usage", response_model=PlanUsageReport, summary="Usage against the plan: limits, overage, suggested plan")
def plan_usage(
    tq: TenantDep,
    months: int = Query(default=12, ge=1, le=120, description="How many most recent months."),
) -> PlanUsageReport:
    rows: list[dict[str, Any]] = tq.rows(
        "SELECT usage_month, is_current_month, has_subscription, plan_key, currency, list_price, event_count, "
        "events_limit, events_limit_used_pct, overage_events, overage_cost, is_over_events_limit, application_count, "
        "applications_limit, is_over_applications_limit, organization_count, suggested_plan_key, "
        "is_plan_change_suggested FROM {db:Identifier}.api_plan_usage_monthly "
        "WHERE company_id = {company_id:UUID} ORDER BY usage_month DESC LIMIT {months:UInt32}",
        months=months,
    )
    return PlanUsageReport(items=[PlanUsageOut(**r) for r in rows])
