"""The Definitions as Dagster loads them: asset keys, lineage, partitions, checks, jobs,
schedules and sensors. No runs here (tests/orchestration/test_pipeline.py runs them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import AssetKey, DailyPartitionsDefinition

from orchestration.defs.partitions import RANGE_END_TAG, RANGE_START_TAG


def key(text: str) -> AssetKey:
    return AssetKey(text.split("/"))


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


MARTS = {
    "dim_organizations", "fct_sessions", "fct_organization_activity_daily", "fct_active_users_daily",
    "fct_retention_cohorts", "fct_feature_adoption", "fct_feature_adoption_by_plan",
    "fct_organization_health_daily", "fct_plan_usage_monthly", "fct_billable_usage_monthly",
}  # fmt: skip
DAILY = {
    "staging/stg_tracker__events", "intermediate/int_user_activity_daily",
    "intermediate/int_events_matched_to_features", "intermediate/int_organization_health_inputs_daily",
    "marts/fct_sessions", "marts/fct_organization_activity_daily", "marts/fct_active_users_daily",
    "marts/fct_organization_health_daily", "marts/fct_plan_usage_monthly", "marts/fct_billable_usage_monthly",
}  # fmt: skip


def test_keys_and_groups_follow_the_dbt_folders(graph):
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {f"marts/{name}" for name in MARTS} <= keys
    assert {"ingest/collector", "raw/events", "raw/events_quarantine", "serving/metrics_api"} <= keys
    assert {"exports/billing_exports", "exports/plan_usage_evaluation"} <= keys
    assert {"control/current_feature_definitions", "control/current_plans", "control/subscription_periods"} <= keys
    dbt_models = [k for k in graph.get_all_asset_keys() if k.path[0] in ("staging", "intermediate", "marts", "api")]
    # One asset per model of the dbt project, every model in the layer of its folder.
    model_files = (Path(__file__).parents[2] / "dbt_project" / "models").rglob("*.sql")
    assert sorted(k.to_user_string() for k in dbt_models) == sorted(f"{f.parent.name}/{f.stem}" for f in model_files)
    for model in dbt_models:
        assert graph.get(model).group_name == model.path[0]
        assert graph.get(model).is_materializable
    assert graph.get(key("raw/events")).is_observable
    assert graph.get(key("ingest/collector")).is_external and not graph.get(key("ingest/collector")).is_executable


def test_lineage_runs_from_the_collector_to_the_api_and_the_exports(graph):
    chain = [
        "ingest/collector",
        "raw/events",
        "staging/stg_tracker__events",
        "marts/fct_billable_usage_monthly",
        "api/api_billable_usage_monthly",
        "exports/billing_exports",
    ]
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert key(upstream) in graph.get(key(downstream)).parent_keys, (upstream, downstream)
    api_models = {k for k in graph.get_all_asset_keys() if k.path[0] == "api"}
    assert graph.get(key("serving/metrics_api")).parent_keys == api_models
    health = graph.get(key("marts/fct_organization_health_daily")).parent_keys
    assert key("intermediate/int_organization_health_inputs_daily") in health
    assert (
        key("control/current_feature_definitions")
        in graph.get(key("staging/stg_tracker__feature_definitions")).parent_keys
    )


def test_incremental_models_are_daily_partitioned_from_the_configured_start(graph, orchestration_env):
    from orchestration.defs.dbt.assets import load_manifest
    from orchestration.defs.dbt.project import dbt_project

    partitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_partitioned}
    # Exactly the incremental models (they rebuild day ranges), among them every daily mart.
    incremental = {
        f"{node['fqn'][-2]}/{node['name']}"
        for node in load_manifest(dbt_project())["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    }
    assert DAILY <= incremental
    assert partitioned == incremental | {"raw/events", "exports/billing_exports", "exports/plan_usage_evaluation"}
    for name in partitioned:
        partitions = graph.get(key(name)).partitions_def
        assert isinstance(partitions, DailyPartitionsDefinition)
        assert partitions.start.date() == orchestration_env.start_date
        assert partitions.timezone == "UTC" and partitions.end_offset == 1
    for name in DAILY | {"exports/billing_exports"}:
        # A backfill of any range is one dbt invocation over it.
        assert graph.get(key(name)).backfill_policy.max_partitions_per_run is None


def test_checks_cover_every_mart(graph):
    checks = {c.asset_key.to_user_string() + ":" + c.name: graph.get(c) for c in graph.asset_check_keys}
    for mart in MARTS:
        assert f"marts/{mart}:great_expectations" in checks
    # Great Expectations suites of partitioned marts run per partition.
    assert checks["marts/fct_sessions:great_expectations"].partitions_def is not None
    assert checks["marts/dim_organizations:great_expectations"].partitions_def is None
    blocking = {name for name, node in checks.items() if node.blocking and ":great_expectations" in name}
    assert blocking == {
        "marts/fct_billable_usage_monthly:great_expectations",
        "marts/fct_plan_usage_monthly:great_expectations",
    }
    assert checks["staging/stg_tracker__events:raw_events_staged_once"].blocking
    assert checks["marts/fct_billable_usage_monthly:organization_usage_adds_up_to_company_usage"].blocking
    assert "exports/billing_exports:totals_match_mart" in checks
    # dbt's tests arrive as checks on the model they test.
    dbt_tests = [name for name in checks if ":unique_combination_of_columns_" in name or ":not_null_" in name]
    assert len(dbt_tests) >= 50
    assert "marts/fct_organization_health_daily:assert_health_contributions_add_up_to_score" in checks


def test_jobs_schedules_and_sensors(defs, orchestration_env):
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {
        "refresh", "observe_raw_events", "feature_backfill", "plan_usage",
        "deletion_request", "retention_enforcement", "quarantine_alert",
    } <= jobs  # fmt: skip
    hourly = defs.resolve_schedule_def("hourly_refresh")
    assert (hourly.cron_schedule, hourly.job_name, hourly.execution_timezone) == ("10 * * * *", "refresh", "UTC")
    close = defs.resolve_schedule_def("daily_close")
    assert (close.cron_schedule, close.job_name) == ("30 2 * * *", "refresh")
    assert defs.resolve_schedule_def("raw_events_observation").job_name == "observe_raw_events"
    retention = defs.resolve_schedule_def("daily_retention")
    assert (retention.cron_schedule, retention.job_name) == ("30 3 * * *", "retention_enforcement")
    assert defs.resolve_sensor_def("feature_definitions_changed").job_name == "feature_backfill"
    assert defs.resolve_sensor_def("quarantine_growing").job_name == "quarantine_alert"
    backfill = {k.to_user_string() for k in defs.resolve_job_def("feature_backfill").asset_layer.executable_asset_keys}
    assert {"marts/fct_feature_adoption", "marts/fct_organization_health_daily", "api/api_feature_adoption"} <= backfill
    assert "marts/fct_billable_usage_monthly" not in backfill


def test_schedules_request_the_right_days(defs, orchestration_env):
    from datetime import UTC, datetime, time, timedelta

    from dagster import build_schedule_context

    def context(day, hour):
        moment = datetime.combine(day, time(hour, 10), UTC)
        return build_schedule_context(scheduled_execution_time=moment, repository_def=defs.get_repository_def())

    day = orchestration_env.start_date + timedelta(days=10)
    [hourly] = defs.resolve_schedule_def("hourly_refresh").evaluate_tick(context(day, 10)).run_requests
    assert (hourly.tags[RANGE_START_TAG], hourly.tags[RANGE_END_TAG]) == (str(day - timedelta(days=1)), str(day))
    [close] = defs.resolve_schedule_def("daily_close").evaluate_tick(context(day, 2)).run_requests
    assert close.partition_key == str(day - timedelta(days=1))
    first = context(orchestration_env.start_date, 3)
    # The first day has no yesterday to close, and only itself to refresh.
    assert not defs.resolve_schedule_def("daily_close").evaluate_tick(first).run_requests
    [only] = defs.resolve_schedule_def("hourly_refresh").evaluate_tick(first).run_requests
    assert only.tags[RANGE_START_TAG] == only.tags[RANGE_END_TAG] == str(orchestration_env.start_date)
