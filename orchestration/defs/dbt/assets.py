"""The dbt models as three @dbt_assets sets (see selection.py): control-plane views,
daily-partitioned incremental models, and current-state models.

Each op runs ``dbt build`` over its set, so dbt's data tests run right after the model
they test and arrive as asset checks; a failing test stops the models downstream of it.
Unit tests are left to CI (tests/models runs them): they check SQL logic, not data, so
running them again on every hourly refresh would only add time.
"""

# No `from __future__ import annotations`: Dagster reads config and resource types from the annotations.

import json
from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, AssetsDefinition, DailyPartitionsDefinition
from dagster_dbt import DbtProject, dbt_assets

from orchestration.defs.dbt.resource import TrackerDbtCliResource, stream_and_clean
from orchestration.defs.dbt.selection import ModelSets, model_sets
from orchestration.defs.dbt.translator import TrackerDbtTranslator
from orchestration.defs.partitions import SINGLE_RUN, partition_days
from orchestration.defs.warehouse import WAREHOUSE_POOL
from saas_tracker.dbt import range_env

BUILD = ("build", "--exclude-resource-type", "unit_test")


def load_manifest(project: DbtProject) -> dict[str, Any]:
    return json.loads(project.manifest_path.read_text())


def build_dbt_assets(project: DbtProject, partitions: DailyPartitionsDefinition) -> list[AssetsDefinition]:
    sets: ModelSets = model_sets(load_manifest(project))
    translator = TrackerDbtTranslator()
    common: dict[str, Any] = {
        "manifest": project.manifest_path,
        "project": project,
        "dagster_dbt_translator": translator,
        "pool": WAREHOUSE_POOL,
    }

    @dbt_assets(select=sets.select(sets.control), name="dbt_control_views", **common)
    def control_views(context: AssetExecutionContext, dbt: TrackerDbtCliResource) -> Iterator[Any]:
        """Views over the control plane (plans, subscriptions, feature definitions)."""
        yield from stream_and_clean(dbt.cli(BUILD, context=context))

    @dbt_assets(
        select=sets.select(sets.daily),
        name="dbt_daily_models",
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        **common,
    )
    def daily_models(context: AssetExecutionContext, dbt: TrackerDbtCliResource) -> Iterator[Any]:
        """Incremental models: rebuild the days of the run's partition range (and the
        later days their trailing windows feed, which the models work out themselves)."""
        start, end = partition_days(context)
        context.log.info(f"rebuilding {start}..{end}")
        yield from stream_and_clean(dbt.cli(BUILD, env=range_env(start, end), context=context))

    @dbt_assets(select=sets.select(sets.current), name="dbt_current_models", **common)
    def current_models(context: AssetExecutionContext, dbt: TrackerDbtCliResource) -> Iterator[Any]:
        """Current-state tables (rebuilt whole, as of today) and the api_ views."""
        yield from stream_and_clean(dbt.cli(BUILD, context=context))

    return [control_views, daily_models, current_models]
