"""Reconciliations: numbers that must agree between layers, per partition range.

- staging: the events accepted into raw (distinct by app_id and event_id) per company and
  day equal the events staged for that day: nothing lost, nothing counted twice;
- billing: per company and month, the organizations' billable ``events`` meter adds up to
  the company's plan usage, and so does the organizations' daily activity.

(The third reconciliation, export totals = mart totals, is part of the billing exports.)
Both are blocking: they stop the billing exports.
"""

# No `from __future__ import annotations`: Dagster reads the context type from the annotations.

from datetime import date

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    DailyPartitionsDefinition,
    asset_check,
)

from orchestration.defs.partitions import partition_days
from orchestration.defs.warehouse import RAW_DATABASE, database, model_key
from saas_tracker.clickhouse import get_client

STAGED_EVENTS = model_key("staging", "stg_tracker__events")
BILLABLE_USAGE = model_key("marts", "fct_billable_usage_monthly")
PLAN_USAGE = model_key("marts", "fct_plan_usage_monthly")
ORGANIZATION_ACTIVITY = model_key("marts", "fct_organization_activity_daily")
# Rows of mismatches kept in a check's metadata.
SHOWN = 20


def raw_vs_staged(start: date, end: date, dedup_days: int) -> list[tuple]:
    """(company, day, accepted in raw, staged) where they differ.

    Mirrors staging's dedup: copies of an event are looked for ``dedup_days`` around the
    range, and an event belongs to the day of its first received copy.
    """
    return (
        get_client()
        .query(
            f"""
        WITH accepted AS (
            SELECT company_id, toDate(first_ts) AS day, count() AS events
            FROM (
                SELECT company_id, app_id, event_id, argMin(ts, (received_at, ts)) AS first_ts
                FROM {RAW_DATABASE}.events
                WHERE toDate(ts) BETWEEN {{start:Date}} - {{dedup:UInt16}} AND {{end:Date}} + {{dedup:UInt16}}
                GROUP BY company_id, app_id, event_id
            )
            WHERE day BETWEEN {{start:Date}} AND {{end:Date}}
            GROUP BY company_id, day
        ),
        staged AS (
            SELECT company_id, event_date AS day, count() AS events
            FROM {{staging:Identifier}}.stg_tracker__events
            WHERE event_date BETWEEN {{start:Date}} AND {{end:Date}}
            GROUP BY company_id, day
        )
        SELECT toString(company_id), day, accepted.events, staged.events
        FROM accepted FULL OUTER JOIN staged USING (company_id, day)
        WHERE accepted.events != staged.events
        ORDER BY company_id, day
        """,
            parameters={"start": start, "end": end, "dedup": dedup_days, "staging": database("staging")},
            settings={"join_use_nulls": 0},
        )
        .result_rows
    )


def usage_mismatches(start: date, end: date, events_meter: str | None) -> list[tuple]:
    """(company, month, company usage, billable events meter, organization activity) that disagree."""
    meter_filter = "meter_key = {meter:String}" if events_meter else "0"
    return (
        get_client()
        .query(
            f"""
        WITH company_usage AS (
            SELECT company_id, usage_month AS month, event_count AS events
            FROM {{marts:Identifier}}.fct_plan_usage_monthly
            WHERE usage_month BETWEEN toStartOfMonth({{start:Date}}) AND {{end:Date}}
        ),
        billed AS (
            SELECT company_id, period_start AS month, sum(quantity) AS events
            FROM {{marts:Identifier}}.fct_billable_usage_monthly
            WHERE period_start BETWEEN toStartOfMonth({{start:Date}}) AND {{end:Date}} AND {meter_filter}
            GROUP BY company_id, month
        ),
        activity AS (
            SELECT company_id, toStartOfMonth(activity_date) AS month, sum(event_count) AS events
            FROM {{marts:Identifier}}.fct_organization_activity_daily
            WHERE activity_date BETWEEN toStartOfMonth({{start:Date}}) AND toLastDayOfMonth({{end:Date}})
            GROUP BY company_id, month
        )
        SELECT toString(company_id), month, company_usage.events, billed.events, activity.events
        FROM company_usage
        FULL OUTER JOIN activity USING (company_id, month)
        LEFT JOIN billed USING (company_id, month)
        WHERE company_usage.events != activity.events
           OR ({{has_meter:UInt8}} AND company_usage.events != billed.events)
        ORDER BY company_id, month
        """,
            parameters={
                "start": start,
                "end": end,
                "marts": database("marts"),
                "meter": events_meter or "",
                "has_meter": int(bool(events_meter)),
            },
            settings={"join_use_nulls": 0},
        )
        .result_rows
    )


def events_meter(meters: object) -> str | None:
    """The meter that counts every event (no filters), if the project defines one."""
    for meter in meters or []:  # type: ignore[union-attr]
        if meter.get("aggregation") == "count" and not any(
            meter.get(k) for k in ("events", "environments", "path_prefix")
        ):
            return meter["key"]
    return None


def build_reconciliation_checks(
    partitions: DailyPartitionsDefinition, *, dedup_days: int, meters: object
) -> list[AssetChecksDefinition]:
    meter = events_meter(meters)

    @asset_check(
        asset=STAGED_EVENTS,
        name="raw_events_staged_once",
        blocking=True,
        partitions_def=partitions,
        description="Per company and day, distinct events accepted into raw = events staged (exactly once).",
    )
    def raw_events_staged_once(context: AssetCheckExecutionContext) -> AssetCheckResult:
        start, end = partition_days(context)
        rows = raw_vs_staged(start, end, dedup_days)
        details = [f"company {c} {day}: raw {raw} vs staged {staged}" for c, day, raw, staged in rows[:SHOWN]]
        return AssetCheckResult(
            passed=not rows,
            metadata={"days": f"{start}..{end}", "mismatches": len(rows), "details": details},
            description="; ".join(details[:3]) or f"raw and staged events agree for every company, {start}..{end}",
        )

    @asset_check(
        asset=BILLABLE_USAGE,
        name="organization_usage_adds_up_to_company_usage",
        blocking=True,
        partitions_def=partitions,
        additional_deps=[PLAN_USAGE, ORGANIZATION_ACTIVITY],
        description=(
            "Per company and month: the organizations' billable events and daily activity add up to "
            "the company's plan usage."
        ),
    )
    def organization_usage_adds_up(context: AssetCheckExecutionContext) -> AssetCheckResult:
        start, end = partition_days(context)
        rows = usage_mismatches(start, end, meter)
        details = [
            f"company {c} {month:%Y-%m}: company usage {usage}, billed '{meter}' {billed}, "
            f"organization activity {activity}"
            for c, month, usage, billed, activity in rows[:SHOWN]
        ]
        return AssetCheckResult(
            passed=not rows,
            metadata={
                "months": f"{start:%Y-%m}..{end:%Y-%m}",
                "events_meter": meter or "(none)",
                "mismatches": len(rows),
            }
            | {"details": details},
            description="; ".join(details[:3]) or "organization usage adds up to company usage in every month",
        )

    return [raw_events_staged_once, organization_usage_adds_up]
