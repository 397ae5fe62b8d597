"""Sensors.

- feature_definitions_changed: a feature definition was created, changed or retired ->
  rebuild feature adoption and health (and what reads them) from the earliest day the
  change affects (the earliest valid_from of any version of the changed features) to
  today, as one run over that partition range;
- quarantine_growing: more events are held in the quarantine than at the last look ->
  launch quarantine_alert, a run that fails and says why.
"""

# No `from __future__ import annotations`: Dagster reads the context type from the annotations.

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dagster import (
    DefaultSensorStatus,
    JobDefinition,
    RunConfig,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from orchestration.defs.jobs.quarantine_alert import QuarantineGrowth
from orchestration.defs.partitions import range_tags
from orchestration.defs.warehouse import CONTROL_DATABASE, RAW_DATABASE
from orchestration.settings import OrchestrationSettings
from saas_tracker.clickhouse import get_client

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition


def latest_feature_version() -> int:
    return int(get_client().command(f"SELECT max(version) FROM {CONTROL_DATABASE}.feature_definitions"))


def earliest_affected_day(since_version: int):
    """The earliest valid_from over every version of the features changed after ``since_version``.

    Every version counts: moving valid_from later un-counts uses from the old date on.
    """
    return (
        get_client()
        .query(
            f"""
        SELECT min(valid_from) FROM {CONTROL_DATABASE}.feature_definitions
        WHERE (company_id, feature_key) IN (
            SELECT company_id, feature_key FROM {CONTROL_DATABASE}.feature_definitions
            WHERE version > {{since:UInt64}}
        )
        HAVING count() > 0
        """,
            parameters={"since": since_version},
        )
        .first_row
    )


def quarantine_state() -> tuple[int, int, list[str]]:
    """(events quarantined now, latest status version, breakdown by company and reason)."""
    client = get_client()
    held, latest = client.query(
        f"SELECT countIf(status = 'quarantined'), max(version) FROM {RAW_DATABASE}.events_quarantine FINAL"
    ).first_row
    breakdown = client.query(
        f"""
        SELECT toString(company_id), reason, count() AS events
        FROM {RAW_DATABASE}.events_quarantine FINAL
        WHERE status = 'quarantined'
        GROUP BY company_id, reason
        ORDER BY events DESC, company_id
        LIMIT 20
        """
    ).result_rows
    return int(held), int(latest), [f"company {c}: {n} {reason}" for c, reason, n in breakdown]


def build_sensors(
    feature_backfill: "UnresolvedAssetJobDefinition", quarantine_alert: JobDefinition, settings: OrchestrationSettings
) -> list[SensorDefinition]:
    @sensor(
        job=feature_backfill,
        name="feature_definitions_changed",
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Backfill feature adoption and health from the earliest day a feature definition change affects.",
    )
    def feature_definitions_changed(context: SensorEvaluationContext):
        latest = latest_feature_version()
        if context.cursor is None:
            # The models were built with the definitions as they are now.
            context.update_cursor(str(latest))
            return SkipReason(f"started watching feature definitions at version {latest}")
        since = int(context.cursor)
        if latest <= since:
            return SkipReason("no feature definition changed")
        context.update_cursor(str(latest))
        today = datetime.now(UTC).date()
        (earliest,) = earliest_affected_day(since) or (today,)
        start = max(earliest, settings.start_date)
        if start > today:
            return SkipReason(f"the changed definitions take effect on {earliest}, after today")
        return RunRequest(
            run_key=f"feature-definitions-{latest}",
            tags={**range_tags(start, today), "tracker/trigger": "feature_definitions_changed"},
        )

    @sensor(
        job=quarantine_alert,
        name="quarantine_growing",
        minimum_interval_seconds=settings.sensor_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description="Launch a failing run that reports it whenever the quarantine grows.",
    )
    def quarantine_growing(context: SensorEvaluationContext):
        held, latest, breakdown = quarantine_state()
        previous = int(context.cursor) if context.cursor else 0
        context.update_cursor(str(held))
        if held <= previous:
            return SkipReason(f"{held} events in quarantine (was {previous})")
        return RunRequest(
            run_key=f"quarantine-{latest}",
            run_config=RunConfig(
                ops={"report_quarantine_growth": QuarantineGrowth(previous=previous, current=held, breakdown=breakdown)}
            ),
        )

    return [feature_definitions_changed, quarantine_growing]
