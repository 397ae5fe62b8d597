"""The dbt project as a whole: its tests, its tables' layout, the full-refresh guard."""

from __future__ import annotations

from collections import Counter

import pytest

from saas_tracker.clickhouse import get_client
from saas_tracker.dbt import DbtSettings, dbt_env, run_dbt
from saas_tracker.settings import CoreSettings, core_settings
from tests.models import support

UNIT_TESTS = {
    "sessions_split_after_the_inactivity_timeout_and_cross_midnight",
    "feature_adoption_needs_use_on_enough_days_of_the_window",
    "health_grades_components_and_weights_the_applicable_ones",
    "suggested_plan_is_the_cheapest_active_plan_covering_usage",
    "feature_uses_follow_the_definition_rules",
}


def _statuses(result, resource_type: str) -> dict[str, str]:
    return {r.node.name: str(r.status) for r in result.result.results if str(r.node.resource_type) == resource_type}


def test_unit_tests_pass(models_suite):
    assert _statuses(models_suite.results["full_refresh"], "unit_test") == dict.fromkeys(UNIT_TESTS, "pass")


@pytest.mark.parametrize("step", ["batch4", "full_refresh"])
def test_data_tests_pass_after_incremental_runs_and_full_refresh(models_suite, step):
    statuses = _statuses(models_suite.results[step], "test")
    assert len(statuses) >= 80
    assert Counter(statuses.values()) == {"pass": len(statuses)}, statuses
    # Every key is tested: a uniqueness test per model, exactly-once checks on top.
    assert sum(name.startswith("unique_combination_of_columns_") for name in statuses) >= 14
    assert "assert_staging_keeps_each_raw_event_once" in statuses


def test_every_table_is_tenant_first_and_partitioned(models_suite):
    rows = (
        get_client()
        .query(
            "SELECT database, name, engine, sorting_key, partition_key FROM system.tables "
            "WHERE database IN {dbs:Array(String)} AND engine LIKE '%MergeTree'",
            parameters={"dbs": [models_suite.database(layer) for layer in ("staging", "intermediate", "marts", "api")]},
        )
        .result_rows
    )
    # system.tables shows a partition expression in parentheses: (event_date).
    tables = {name: (engine, sorting_key, partition_key[1:-1]) for _, name, engine, sorting_key, partition_key in rows}
    # 15 in staging, intermediate and marts; 12 api_ tables shaped for the metrics API's reads.
    assert len(tables) == 27
    for name, (engine, sorting_key, _) in tables.items():
        assert engine == "MergeTree" and sorting_key.startswith("company_id,"), (name, sorting_key)
    # Everything that grows with events is partitioned by day (or by month for monthly grains).
    assert {name: partition for name, (_, _, partition) in tables.items() if partition} == {
        "stg_tracker__events": "event_date",
        "int_user_activity_daily": "activity_date",
        "int_events_matched_to_features": "event_date",
        "int_organization_health_inputs_daily": "health_date",
        "fct_sessions": "session_start_date",
        "fct_organization_activity_daily": "activity_date",
        "fct_active_users_daily": "metric_date",
        "fct_organization_health_daily": "health_date",
        "fct_plan_usage_monthly": "toYYYYMM(usage_month)",
        "fct_billable_usage_monthly": "toYYYYMM(period_start)",
        # The api_ rollups: monthly, so a dashboard's date range opens a few parts, not one per day.
        "api_events_daily": "toYYYYMM(event_date)",
        "api_organization_events_daily": "toYYYYMM(event_date)",
        "api_path_events_daily": "toYYYYMM(event_date)",
        "api_sessions_daily": "toYYYYMM(session_start_date)",
        "api_application_usage_monthly": "toYYYYMM(usage_month)",
    }


def test_health_explains_each_component(models_suite):
    rows = (
        get_client()
        .query(
            "SELECT explanation FROM {db:Identifier}.fct_organization_health_daily "
            "WHERE company_id = {company:UUID} AND customer_org_id = 'o1' AND health_date = '2025-03-12'",
            parameters={"db": models_suite.database("marts"), "company": models_suite.labels.uuid("company", "acme")},
        )
        .result_rows
    )
    assert rows == [
        (
            [
                "activity trend healthy: 4 events in the last 3 days vs 4 in the 3 days before (25.0 of 25.0 points)",
                "user breadth healthy: 2 of 3 users active in the last 3 days (20.0 of 20.0 points)",
                "feature breadth concerning: 1 of 3 features used in the last 3 days (10.0 of 20.0 points)",
                "recency healthy: last event 0 days ago (20.0 of 20.0 points)",
                "engagement concerning: 4 sessions by 2 active users in the last 3 days (7.5 of 15.0 points)",
            ],
        )
    ]


def test_first_build_saw_two_sessions_before_the_late_event_joined_them(models_suite):
    header, _ = support.expected("fct_sessions")
    sessions = [dict(zip(header, row, strict=True)) for row in models_suite.snapshots["first"]["fct_sessions"]]
    # e09 (10:00) and e10 (10:40) are 40 minutes apart until e19 (10:20) arrives in batch 2.
    assert sorted(s["session_id"] for s in sessions if s["session_start_date"] == "2025-03-05") == [
        "auto-e09",
        "auto-e10",
    ]


@pytest.mark.parametrize("environment", ["production", "test"])
def test_full_refresh_is_refused_outside_development(models_suite, environment):
    settings = CoreSettings(**{**core_settings().model_dump(), "env": environment})
    result = run_dbt(
        "run", "--full-refresh", "--select", "stg_tracker__plans",
        vars=support.SUITE_VARS, settings=settings, dbt=models_suite.dbt, check=False,
    )  # fmt: skip
    assert not result.success
    assert f"--full-refresh is refused when TRACKER_ENV={environment}" in str(result.exception or result.result)


def test_dbt_env_mirrors_the_tracker_settings(tmp_path):
    settings = CoreSettings(
        clickhouse_url="https://ch.example.com:9440", clickhouse_user="dbt", clickhouse_password="s3cret", env="test"
    )
    env = dbt_env(settings, DbtSettings(schema_name="analytics", threads=2, target_path=tmp_path))
    assert {k: env[k] for k in ("TRACKER_CH_HOST", "TRACKER_CH_PORT", "TRACKER_CH_SECURE", "TRACKER_CH_USER")} == {
        "TRACKER_CH_HOST": "ch.example.com",
        "TRACKER_CH_PORT": "9440",
        "TRACKER_CH_SECURE": "True",
        "TRACKER_CH_USER": "dbt",
    }
    assert env["TRACKER_CH_PASSWORD"] == "s3cret"
    assert env["TRACKER_DBT_SCHEMA"] == "analytics" and env["TRACKER_DBT_THREADS"] == "2"
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert env["DBT_TARGET_PATH"] == str(tmp_path)
    assert env["DBT_PROFILES_DIR"] == env["DBT_PROJECT_DIR"] and env["DBT_PROFILES_DIR"].endswith("dbt_project")


def test_api_rollups_equal_what_they_roll_up_after_every_step(models_suite):
    """The api_ rollups (support.ROLLUPS) hold exactly the figures of their sources after a
    first build, incremental day-range runs (which rebuild whole months), a rerun and a
    full refresh."""
    assert set(models_suite.rollup_differences) == {"first", "incremental", "rerun", "full_refresh"}
    for step, differences in models_suite.rollup_differences.items():
        assert differences == dict.fromkeys(support.ROLLUPS, 0), step
