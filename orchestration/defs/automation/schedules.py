"""Schedules (UTC).

- hourly_refresh: today and yesterday, every hour, so dashboards lag by an hour at most
  and events that arrive after midnight still land in yesterday;
- daily_close: yesterday once more after it is over, when late retries and the
  collector's spool have landed; the run of record for the day;
- raw_events_observation: row counts of today and yesterday in the raw table, hourly;
- daily_retention: each company's plan retention applied to raw events and user-level
  model rows, daily after the close (the raw table's TTL alone keeps the retention a row
  was ingested under, not the current plan's).
"""

# No `from __future__ import annotations`: Dagster reads the context type from the annotations.

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from dagster import (
    DefaultScheduleStatus,
    JobDefinition,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from orchestration.defs.partitions import range_tags
from orchestration.settings import OrchestrationSettings

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition


def _today(context: ScheduleEvaluationContext) -> date:
    moment = context.scheduled_execution_time or datetime.now(UTC)
    return moment.astimezone(UTC).date()


def recent_days(
    context: ScheduleEvaluationContext, settings: OrchestrationSettings, days: int
) -> tuple[date, date] | None:
    """The last ``days`` days up to today, clipped to the first partition."""
    today = _today(context)
    start = max(today - timedelta(days=days - 1), settings.start_date)
    return (start, today) if start <= today else None


def build_schedules(
    refresh: "UnresolvedAssetJobDefinition",
    observe: "UnresolvedAssetJobDefinition",
    retention: JobDefinition,
    settings: OrchestrationSettings,
) -> list[ScheduleDefinition]:
    hourly = f"{settings.refresh_minute} * * * *"

    @schedule(
        job=refresh,
        name="hourly_refresh",
        cron_schedule=hourly,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Rebuild today and yesterday, hourly.",
    )
    def hourly_refresh(context: ScheduleEvaluationContext):
        days = recent_days(context, settings, 2)
        if days is None:
            return SkipReason(f"today is before the first partition ({settings.start_date})")
        return RunRequest(tags={**range_tags(*days), "tracker/trigger": "hourly_refresh"})

    @schedule(
        job=refresh,
        name="daily_close",
        cron_schedule=f"{settings.close_minute} {settings.close_hour} * * *",
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Rebuild yesterday once it is complete: the run of record for the day.",
    )
    def daily_close(context: ScheduleEvaluationContext):
        yesterday = _today(context) - timedelta(days=1)
        if yesterday < settings.start_date:
            return SkipReason(f"yesterday is before the first partition ({settings.start_date})")
        return RunRequest(partition_key=yesterday.isoformat(), tags={"tracker/trigger": "daily_close"})

    @schedule(
        job=observe,
        name="raw_events_observation",
        cron_schedule=hourly,
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Record row counts per day of the raw events table for today and yesterday.",
    )
    def raw_events_observation(context: ScheduleEvaluationContext):
        days = recent_days(context, settings, 2)
        if days is None:
            return SkipReason(f"today is before the first partition ({settings.start_date})")
        return RunRequest(tags=range_tags(*days))

    daily_retention = ScheduleDefinition(
        name="daily_retention",
        job=retention,
        # An hour after the daily close, so the two never compete for the warehouse.
        cron_schedule=f"{settings.close_minute} {(settings.close_hour + 1) % 24} * * *",
        execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Apply each company's plan retention to raw events and user-level model rows.",
    )

    return [hourly_refresh, daily_close, raw_events_observation, daily_retention]
