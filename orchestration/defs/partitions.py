"""Daily partitions (UTC) and the day range a run covers.

Today's partition exists (``end_offset=1``) so the hourly refresh can rebuild it while
the day is still running; the daily close then rebuilds yesterday once it is complete.
Every partitioned asset uses a single-run backfill policy: a backfill of any range is
one dbt invocation over ``tracker__start_date``..``tracker__end_date``, which the models
make idempotent (they replace whole day partitions).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dagster import BackfillPolicy, DailyPartitionsDefinition

from orchestration.settings import OrchestrationSettings

# Dagster's tags for a run over a range of partitions (what a single-run backfill sets).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

SINGLE_RUN = BackfillPolicy.single_run()


def daily_partitions(settings: OrchestrationSettings) -> DailyPartitionsDefinition:
    return DailyPartitionsDefinition(
        start_date=settings.start_date.isoformat(),
        timezone="UTC",
        end_offset=1,
    )


def partition_days(context: Any) -> tuple[date, date]:
    """First and last day (inclusive) of the run's partition range."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def range_tags(start: date, end: date) -> dict[str, str]:
    """Tags that make a run cover the partitions start..end (inclusive) in one go."""
    return {RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: end.isoformat()}
