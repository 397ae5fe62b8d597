"""The collector and what it writes, as assets upstream of the dbt sources.

The collector and the quarantine are external assets (Dagster does not run them). The
raw events table is observed per day: row counts (copies and distinct events) and a
data version per day partition, so the UI shows which days received events since their
models were last rebuilt.
"""

# No `from __future__ import annotations`: Dagster reads the context type from the annotations.

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetObservation,
    AssetsDefinition,
    AssetSpec,
    DailyPartitionsDefinition,
    multi_observable_source_asset,
)

from orchestration.defs.partitions import partition_days
from orchestration.defs.warehouse import COLLECTOR, QUARANTINE, RAW_DATABASE, RAW_EVENTS
from saas_tracker.clickhouse import get_client

# Dagster's tag for an observation's data version.
DATA_VERSION_TAG = "dagster/data_version"

collector = AssetSpec(
    COLLECTOR,
    group_name="ingest",
    kinds={"fastapi"},
    description="The FastAPI collector (ingest_api/): signed batches in, raw events and quarantine out.",
)

quarantine = AssetSpec(
    QUARANTINE,
    deps=[COLLECTOR],
    group_name="raw",
    kinds={"clickhouse"},
    description=(
        f"{RAW_DATABASE}.events_quarantine: events older than their application's backfill window, held "
        "until an operator replays or discards them (`saas-tracker quarantine`). Watched by a sensor."
    ),
)


def count_raw_events(start: date, end: date) -> dict[date, tuple[int, int, str]]:
    """day -> (copies, distinct events, last received_at) for days with events."""
    rows = (
        get_client()
        .query(
            f"SELECT toDate(ts) AS day, count(), uniqExact(app_id, event_id), toString(max(received_at)) "
            f"FROM {RAW_DATABASE}.events WHERE toDate(ts) BETWEEN {{start:Date}} AND {{end:Date}} GROUP BY day",
            parameters={"start": start, "end": end},
        )
        .result_rows
    )
    return {day: (int(copies), int(events), last) for day, copies, events, last in rows}


def build_raw_events(partitions: DailyPartitionsDefinition) -> AssetsDefinition:
    spec = AssetSpec(
        RAW_EVENTS,
        deps=[COLLECTOR],
        group_name="raw",
        kinds={"clickhouse"},
        description=(
            f"{RAW_DATABASE}.events: every event copy the collector accepted (a retry may leave two; "
            "staging keeps one). Observed per day."
        ),
    )

    # can_subset: the op yields observations, not outputs (an output would record a
    # second, empty observation per partition). Nothing runs downstream in its job.
    @multi_observable_source_asset(
        specs=[spec], partitions_def=partitions, can_subset=True, name="raw_events_day_counts"
    )
    def raw_events(context: AssetExecutionContext) -> Iterator[Any]:
        start, end = partition_days(context)
        counts = count_raw_events(start, end)
        day = start
        while day <= end:
            copies, events, last = counts.get(day, (0, 0, ""))
            yield AssetObservation(
                asset_key=RAW_EVENTS,
                partition=day.isoformat(),
                metadata={"rows": copies, "distinct_events": events, "duplicate_copies": copies - events},
                tags={DATA_VERSION_TAG: f"{copies}:{events}:{last}"},
            )
            day += timedelta(days=1)

    return raw_events
