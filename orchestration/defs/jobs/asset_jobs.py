"""Jobs over assets.

- refresh: every materializable asset (dbt models, exports, plan-usage evaluation) and
  their checks; the schedules run it over today and yesterday, or yesterday;
- observe_raw_events: row counts per day of the raw table;
- feature_backfill: everything downstream of the feature definitions (matched uses,
  activity, sessions, adoption, health, the api_ views over them);
- plan_usage: plan usage of the run's months and its evaluation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dagster import AssetSelection, define_asset_job

from orchestration.defs.warehouse import METRICS_API, PLAN_USAGE_EVALUATION, RAW_EVENTS, model_key

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

FEATURE_DEFINITIONS = model_key("staging", "stg_tracker__feature_definitions")


def build_asset_jobs() -> dict[str, UnresolvedAssetJobDefinition]:
    jobs = [
        define_asset_job(
            "refresh",
            selection=AssetSelection.all(),
            description="Rebuild the run's days through every layer, run every check, write the exports.",
        ),
        define_asset_job(
            "observe_raw_events",
            selection=AssetSelection.assets(RAW_EVENTS),
            description="Count the raw events of the run's days.",
        ),
        define_asset_job(
            "feature_backfill",
            selection=AssetSelection.assets(FEATURE_DEFINITIONS).downstream(include_self=False)
            - AssetSelection.assets(METRICS_API),
            description="Rebuild what depends on feature definitions over the run's days.",
        ),
        define_asset_job(
            "plan_usage",
            selection=AssetSelection.assets(model_key("marts", "fct_plan_usage_monthly"), PLAN_USAGE_EVALUATION),
            description="Recompute plan usage for the run's months and report companies over their limits.",
        ),
    ]
    return {job.name: job for job in jobs}
