"""The demo end to end on a small workload: the control-plane setup is idempotent, the
workload goes through the real signed collector, Dagster materializes every asset and
passes every check, every event is counted once, a second load sends nothing, and the
summary `make demo` prints agrees with the metrics API."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from demo import catalog, pipeline, setup, summary, workload
from tests.ingest.collector_process import CollectorProcess
from tests.warehouse_process import free_port


@pytest.fixture(scope="module")
def demo(warehouse, tmp_path_factory):
    from orchestration.defs.dbt.project import dbt_project
    from saas_tracker.clickhouse import get_client
    from saas_tracker.migrate import migrate

    client = get_client()
    migrate(client)
    root = tmp_path_factory.mktemp("demo")
    state = root / "credentials.json"
    options = dict(seed=3, orgs=16, days=35, volume=0.4, end=datetime.now(UTC).date() - timedelta(days=1))
    tenant = setup.ensure_tenant(state, workload.first_day(options["days"], options["end"]))
    collector = CollectorProcess(spool_dir=root / "spool", port=free_port()).start()
    schema = f"t_demo_{uuid.uuid4().hex[:8]}"
    # dbt output databases, dbt target and Dagster instance of this test's own.
    environment = pytest.MonkeyPatch()
    environment.setenv("TRACKER_DBT_SCHEMA", schema)
    environment.setenv("TRACKER_DBT_TARGET_PATH", str(root / "dbt-target"))
    environment.setenv("TRACKER_ORCHESTRATION_DAGSTER_HOME", str(root / "dagster"))
    environment.setenv("TRACKER_ORCHESTRATION_EXPORTS_DIR", str(root / "exports"))
    dbt_project.cache_clear()
    try:
        key, first = pipeline.load_and_build(tenant, collector.url, root, **options)
        raw_after_first = _raw_count(tenant.company_id)
        _, second = pipeline.load_and_build(tenant, collector.url, root, **options)
        yield {
            "tenant": tenant,
            "state": state,
            "options": options,
            "key": key,
            "schema": schema,
            "dagster_home": root / "dagster",
            "materialized": [first, second],
            "raw_after_first": raw_after_first,
            "raw_after_second": _raw_count(tenant.company_id),
        }
    finally:
        collector.stop()
        environment.undo()
        dbt_project.cache_clear()
        for layer in ("staging", "intermediate", "marts", "api"):
            client.command("DROP DATABASE IF EXISTS {db:Identifier}", parameters={"db": f"{schema}_{layer}"})
        client.command(
            "ALTER TABLE tracker_raw.events DELETE WHERE company_id = {c:UUID}",
            parameters={"c": tenant.company_id},
            settings={"mutations_sync": 2},
        )


def _raw_count(company_id: str) -> int:
    from saas_tracker.clickhouse import get_client

    return (
        get_client()
        .query("SELECT count() FROM tracker_raw.events WHERE company_id = {c:UUID}", parameters={"c": company_id})
        .result_rows[0][0]
    )


def test_setup_again_finds_the_same_company_and_applications(demo):
    again = setup.ensure_tenant(demo["state"], workload.first_day(demo["options"]["days"], demo["options"]["end"]))
    assert again == demo["tenant"]


def test_dagster_materializes_every_asset_and_passes_every_check_in_recorded_runs(demo):
    from dagster import DagsterInstance, DagsterRunStatus

    from orchestration.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    materializable = {key.to_user_string() for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    for report in demo["materialized"]:
        assert report.ok, report.describe()
        assert report.assets == materializable
        assert report.checks_passed == len(graph.asset_check_keys)
    # The runs are in the instance the Dagster UI serves, as successes.
    with DagsterInstance.from_config(str(demo["dagster_home"])) as instance:
        runs = {run.run_id: run for run in instance.get_runs()}
        recorded = [runs[run_id] for report in demo["materialized"] for run_id in report.run_ids]
    assert [run.job_name for run in recorded] == ["observe_raw_events", "refresh"] * 2
    assert {run.status for run in recorded} == {DagsterRunStatus.SUCCESS}


def test_every_valid_event_is_stored_and_counted_once(demo):
    expected = demo["key"]["expected"]["stored_events"]
    assert demo["raw_after_first"] >= expected
    # The same workload again is not sent twice.
    assert demo["raw_after_second"] == demo["raw_after_first"]
    figures = summary.collect(demo["tenant"].company_id, demo["key"], api_database=f"{demo['schema']}_api")
    assert figures["events"] == expected
    assert figures["organizations"] == demo["key"]["orgs"]
    assert sum(figures["answer_key"]["by_tier"].values()) == len(demo["key"]["declining_or_churned"])
    # The company is subscribed since the workload's first day: every month of usage has its plan.
    first = workload.first_day(demo["options"]["days"], demo["options"]["end"])
    months = sorted({row["usage_month"] for row in figures["plan_usage"]})
    assert months[0] == first.replace(day=1)
    assert {row["plan_key"] for row in figures["plan_usage"]} == {catalog.COMPANY_PLAN}


@pytest.fixture(scope="module")
def api(demo):
    from metrics_api.app import create_app
    from metrics_api.settings import metrics_settings

    previous = os.environ.get("TRACKER_METRICS_API_DATABASE")
    os.environ["TRACKER_METRICS_API_DATABASE"] = f"{demo['schema']}_api"
    metrics_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            client.headers["Authorization"] = f"Bearer {demo['tenant'].api_key}"
            yield client
    finally:
        if previous is None:
            os.environ.pop("TRACKER_METRICS_API_DATABASE", None)
        else:
            os.environ["TRACKER_METRICS_API_DATABASE"] = previous
        metrics_settings.cache_clear()


def test_summary_agrees_with_the_metrics_api(demo, api):
    figures = summary.collect(demo["tenant"].company_id, demo["key"], api_database=f"{demo['schema']}_api")

    page = api.get("/v1/organizations", params={"limit": 500}).raise_for_status().json()
    assert page["total"] == figures["organizations"]
    assert sum(o["event_count"] for o in page["items"]) == figures["events"]
    tiers: dict[str, int] = {}
    for org in page["items"]:
        tiers[org["health_tier"] or "no score"] = tiers.get(org["health_tier"] or "no score", 0) + 1
    assert tiers == figures["tiers"]

    at_risk = (
        api.get("/v1/organizations", params={"tier": "at_risk", "sort": "health_score", "limit": 5})
        .raise_for_status()
        .json()
    )
    assert [o["customer_org_id"] for o in at_risk["items"]] == [o["customer_org_id"] for o in figures["top_at_risk"]]

    adoption = api.get("/v1/features/adoption").raise_for_status().json()["overall"]
    assert {(a["feature_key"], a["adopting_organizations"], a["active_organizations"]) for a in adoption} == {
        (a["feature_key"], a["adopters"], a["active_orgs"]) for a in figures["feature_adoption"]
    }

    usage = api.get("/v1/usage").raise_for_status().json()["items"]
    assert {(u["usage_month"], u["event_count"]) for u in usage} == {
        (str(u["usage_month"]), u["event_count"]) for u in figures["plan_usage"]
    }


def test_a_different_workload_replaces_the_previous_one_everywhere(demo):
    """Runs last: it replaces the module's workload (a shorter one that ends earlier, so days
    of the old workload get no new events at all)."""
    previous_end = datetime.now(UTC).date() - timedelta(days=1)
    options = dict(seed=4, orgs=8, days=10, volume=0.4, end=previous_end - timedelta(days=12))
    collector = CollectorProcess(spool_dir=demo["dagster_home"].parent / "spool-2", port=free_port()).start()
    try:
        key, report = pipeline.load_and_build(demo["tenant"], collector.url, demo["dagster_home"].parent, **options)
    finally:
        collector.stop()
    assert report.ok, report.describe()
    expected = key["expected"]["stored_events"]
    assert _raw_count(demo["tenant"].company_id) >= expected
    figures = summary.collect(demo["tenant"].company_id, key, api_database=f"{demo['schema']}_api")
    assert (figures["events"], figures["organizations"]) == (expected, 8)
