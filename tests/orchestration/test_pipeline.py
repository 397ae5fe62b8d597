"""The whole pipeline through Dagster's Python API, on generated data, against the
embedded ClickHouse: materialize everything, backfill three days twice, erase a user,
plant a bad row.

Each step is a module fixture that builds on the previous one (dbt runs take 10-25 s
each), so any single test can run alone and the module still runs each step once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from orchestration.defs.partitions import range_tags
from saas_tracker.clickhouse import get_client
from tests.orchestration import support
from tests.orchestration import world as world_module

BILLING_CHECK = "marts/fct_billable_usage_monthly:great_expectations"
ORG_USERS = (
    "SELECT users FROM {db:Identifier}.dim_organizations "
    "WHERE company_id = {company:UUID} AND customer_org_id = 'org-1'"
)


def run(defs, job: str, **kwargs):
    return defs.resolve_job_def(job).execute_in_process(raise_on_error=False, **kwargs)


@pytest.fixture(scope="module")
def materialized(defs, world, orchestration_env):
    """Observe the raw events, then materialize every asset over the generated days."""
    days = range_tags(world.days[0], world.days[-1])
    observed = run(defs, "observe_raw_events", tags=days)
    refreshed = run(defs, "refresh", tags=days)
    return observed, refreshed


def test_everything_materializes_and_every_check_passes(materialized, defs):
    observed, refreshed = materialized
    assert observed.success and refreshed.success, support.failed_checks(refreshed)
    graph = defs.resolve_asset_graph()
    materializable = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    assert support.materialized(refreshed) == materializable
    checks = support.check_results(refreshed)
    assert support.failed_checks(refreshed) == {}
    # Every check of the graph ran: dbt tests, suites, reconciliations, export totals.
    assert set(checks) == {f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys}
    assert checks["marts/fct_sessions:great_expectations"].metadata["rows"].value > 0


def test_raw_events_are_observed_per_day(materialized, world):
    observed, _ = materialized
    rows = {}
    for event in observed.all_events:
        if event.event_type_value == "ASSET_OBSERVATION":
            observation = event.event_specific_data.asset_observation
            rows[observation.partition] = observation.metadata["rows"].value
    # Other test suites may have events on these days too: at least ours are there.
    assert sorted(rows) == [str(day) for day in world.days]
    for day in world.days:
        assert rows[str(day)] >= world.copies_on(day) > 0


def test_marts_count_each_event_once(materialized, world, orchestration_env):
    marts = orchestration_env.database("marts")
    for tenant in world.tenants:
        parameters = {"db": marts, "company": tenant.company_id}
        usage = get_client().command(
            "SELECT sum(event_count) FROM {db:Identifier}.fct_plan_usage_monthly WHERE company_id = {company:UUID}",
            parameters=parameters,
        )
        billed = get_client().command(
            "SELECT sum(quantity) FROM {db:Identifier}.fct_billable_usage_monthly "
            "WHERE company_id = {company:UUID} AND meter_key = 'events'",
            parameters=parameters,
        )
        assert int(usage) == int(billed) == world.distinct_events(tenant.company_id)


def test_billing_exports_are_the_metrics_api_export_on_disk(materialized, world, orchestration_env):
    from orchestration.defs.serving.billing_files import read_totals

    acme = world.tenants[0]
    exported = 0
    for period in sorted({day.replace(day=1) for day in world.days}):
        directory = orchestration_env.exports_dir / "billing" / f"{period:%Y-%m}" / str(acme.company_id)
        manifest = json.loads((directory / "manifest.json").read_text())
        data = (directory / f"billing-{period:%Y-%m}.csv").read_bytes()
        assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
        assert manifest["row_count"] == len(data.splitlines()) - 1 > 0
        assert (manifest["period"], manifest["format"]) == (f"{period:%Y-%m}", "csv")
        assert manifest["model_version"].startswith("1.0.0+")
        exported += read_totals(orchestration_env.exports_dir, period)[(str(acme.company_id), "events")]
    assert exported == world.distinct_events(acme.company_id)


def test_a_suite_runs_by_hand(materialized, world, capsys):
    from data_tests.__main__ import main

    assert main(["fct_sessions", str(world.days[0]), str(world.days[-1])]) == 0
    assert "0 failed" in capsys.readouterr().out


@dataclass
class Backfill:
    before: dict
    first: object
    after_first: dict
    second: object
    after_second: dict


@pytest.fixture(scope="module")
def backfilled(materialized, defs, world, orchestration_env) -> Backfill:
    """The daily-partitioned assets over three of the days, twice."""
    graph = defs.resolve_asset_graph()
    daily = [k for k in graph.get_all_asset_keys() if graph.get(k).is_partitioned and graph.get(k).is_materializable]
    tags = range_tags(world.days[1], world.days[3])
    snap = lambda: support.snapshot(orchestration_env.schema, world.company_ids)  # noqa: E731
    before = snap()
    first = run(defs, "refresh", tags=tags, asset_selection=daily)
    after_first = snap()
    second = run(defs, "refresh", tags=tags, asset_selection=daily)
    return Backfill(before, first, after_first, second, snap())


def test_a_backfill_run_twice_leaves_the_same_rows(backfilled):
    assert backfilled.first.success and backfilled.second.success, support.failed_checks(backfilled.second)
    assert backfilled.after_first == backfilled.after_second
    # ... and the same rows as the first build: re-running days never changes their numbers.
    assert backfilled.after_second == backfilled.before
    assert sum(len(rows) for rows in backfilled.before.values()) > 300
    assert "marts/fct_organization_health_daily" in support.materialized(backfilled.second)


ORG_DAY_EVENTS = (
    "SELECT event_count FROM {db:Identifier}.fct_organization_activity_daily "
    "WHERE company_id = {company:UUID} AND customer_org_id = 'org-x' AND activity_date = {day:Date}"
)


@pytest.fixture(scope="module")
def late(backfilled, defs, world, orchestration_env) -> tuple[int, int, object]:
    """An event of an old day arriving after the day was built, then a run of that day's partition.

    The day lies outside the range a run rebuilds by default (today and the lookback days
    before it), so only the partition's own range brings the event in.
    """
    globex, day = world.tenants[1], world.days[1]
    parameters = {"db": orchestration_env.database("marts"), "company": globex.company_id, "day": day}
    before = int(get_client().command(ORG_DAY_EVENTS, parameters=parameters))
    row = next(r for r in world.rows if r[0] == globex.company_id and r[4].date() == day)
    late_row = [row[0], row[1], uuid.uuid4(), *row[3:]]
    world_module.insert_raw([late_row])
    world.rows.append(late_row)
    graph = defs.resolve_asset_graph()
    daily = [k for k in graph.get_all_asset_keys() if graph.get(k).is_partitioned and graph.get(k).is_materializable]
    result = run(defs, "refresh", tags=range_tags(day, day), asset_selection=daily)
    return before, int(get_client().command(ORG_DAY_EVENTS, parameters=parameters)), result


def test_a_partition_run_counts_a_late_event_of_its_day(late):
    before, after, result = late
    assert result.success, support.failed_checks(result)
    assert after == before + 1


@dataclass
class Deletion:
    company_id: uuid.UUID
    user: str
    organization: str
    raw_rows_before: dict[str, int]
    users_before: int
    result: object


def _subject_rows(company_id, column: str, value: str) -> int:
    return support.count(
        "tracker_raw.events", f"company_id = {{c:UUID}} AND {column} = {{v:String}}", {"c": company_id, "v": value}
    )


@pytest.fixture(scope="module")
def deleted(late, defs, world, orchestration_env) -> Deletion:
    """One run erasing a user of org-1 and the whole of org-3 (both of Acme)."""
    acme = world.tenants[0]
    user, organization = acme.users["org-1"][0], "org-3"
    users_before = int(
        get_client().command(
            ORG_USERS, parameters={"db": orchestration_env.database("marts"), "company": acme.company_id}
        )
    )
    before = {"user": _subject_rows(acme.company_id, "user_hash", user)}
    before["organization"] = _subject_rows(acme.company_id, "customer_org_id", organization)
    config = {"company_id": str(acme.company_id), "user_hashes": [user], "customer_org_ids": [organization]}
    result = run(defs, "deletion_request", run_config={"ops": {"open_deletion_requests": {"config": config}}})
    return Deletion(acme.company_id, user, organization, before, users_before, result)


@pytest.mark.parametrize("subject", ["user", "organization"])
def test_a_deletion_request_leaves_no_row_of_its_subject(deleted, orchestration_env, subject):
    assert deleted.result.success
    column, value = ("user_hash", deleted.user) if subject == "user" else ("customer_org_id", deleted.organization)
    assert deleted.raw_rows_before[subject] > 0
    assert _subject_rows(deleted.company_id, column, value) == 0
    where = f"company_id = {{company:UUID}} AND {column} = {{value:String}}"
    parameters = {"company": deleted.company_id, "value": value}
    relations = support.tables(orchestration_env.schema, column, views=True)
    # User-level: staged events, user activity, feature uses, sessions and their api_ views;
    # organizations are in nearly every model.
    assert len(relations) >= (6 if subject == "user" else 15)
    for db, name in relations:
        assert support.count(f"{db}.{name}", where, parameters) == 0, name
    [request] = (
        get_client()
        .query(
            "SELECT status, raw_rows_deleted, rows_remaining, completed_at IS NOT NULL "
            "FROM tracker_control.current_deletion_requests "
            "WHERE company_id = {company:UUID} AND subject_type = {type:String} AND subject = {value:String}",
            parameters={**parameters, "type": subject},
        )
        .result_rows
    )
    assert request == ("completed", deleted.raw_rows_before[subject], 0, True)


def test_a_deletion_rebuilds_the_affected_days(deleted, orchestration_env):
    # org-1 has one user fewer: its counts were recomputed, not just filtered.
    users_after = get_client().command(
        ORG_USERS, parameters={"db": orchestration_env.database("marts"), "company": deleted.company_id}
    )
    assert int(users_after) == deleted.users_before - 1


@pytest.fixture(scope="module")
def planted(deleted, defs, world, orchestration_env):
    """A raw event without an organization on one day, then a refresh of that day (all but
    the control-plane views, which the event does not touch)."""
    acme = world.tenants[0]
    day = world.days[2]
    row = next(r for r in world.rows if r[0] == acme.company_id and r[4].date() == day)
    bad = [row[0], row[1], uuid.uuid4(), "page_view", row[4] + timedelta(seconds=1), "client", row[6], "", *row[8:]]
    world_module.insert_raw([bad])
    graph = defs.resolve_asset_graph()
    control_views = {
        k for k in graph.get_all_asset_keys() if k.path[0] == "staging" and not graph.get(k).is_partitioned
    }
    selection = [k for k in graph.get_all_asset_keys() if graph.get(k).is_materializable and k not in control_views]
    return run(defs, "refresh", tags=range_tags(day, day), asset_selection=selection)


def test_a_planted_bad_row_fails_its_suite_and_blocks_the_export(planted):
    failed = support.failed_checks(planted)
    assert BILLING_CHECK in failed
    assert "expect_column_value_lengths_to_be_between on customer_org_id" in failed[BILLING_CHECK]
    assert "e.g. ['', " in failed[BILLING_CHECK]
    # Only suites that look at organizations fail; the row is a real event, so the
    # exactly-once and usage reconciliations still agree.
    assert all(name.endswith(":great_expectations") for name in failed)
    checks = support.check_results(planted)
    assert checks["marts/fct_active_users_daily:great_expectations"].passed
    assert checks["staging/stg_tracker__events:raw_events_staged_once"].passed
    assert checks["marts/fct_billable_usage_monthly:organization_usage_adds_up_to_company_usage"].passed
    assert not planted.success
    # The blocking check failed its step; nothing downstream of the mart ran.
    assert "marts__fct_billable_usage_monthly_great_expectations" in support.step_events(planted, "STEP_FAILURE")
    assert "marts/fct_billable_usage_monthly" in support.materialized(planted)
    assert not {"api/api_billable_usage_monthly", "exports/billing_exports"} & support.materialized(planted)


def test_the_reconciliations_catch_disagreements(planted, world, orchestration_env):
    """Each reconciliation, fed layers that disagree, names the company and the period."""
    from orchestration.defs.checks.reconciliation import raw_vs_staged, usage_mismatches
    from orchestration.defs.serving.billing_exports import mart_totals
    from orchestration.defs.serving.billing_files import read_totals

    globex = world.tenants[1]
    day = world.days[0]
    # An event accepted after the day was staged: raw has one more than staging.
    row = next(r for r in world.rows if r[0] == globex.company_id and r[4].date() == day)
    world_module.insert_raw([[row[0], row[1], uuid.uuid4(), *row[3:]]])
    [(company, mismatch_day, raw, staged)] = raw_vs_staged(day, day, 1)
    assert (company, mismatch_day, raw) == (str(globex.company_id), day, staged + 1)
    # A billable line lost: the organizations no longer add up to the company.
    get_client().command(
        "ALTER TABLE {db:Identifier}.fct_billable_usage_monthly DELETE "
        "WHERE company_id = {company:UUID} AND meter_key = 'events'",
        parameters={"db": orchestration_env.database("marts"), "company": globex.company_id},
        settings={"mutations_sync": 2},
    )
    mismatches = usage_mismatches(world.days[0], world.days[-1], "events")
    assert [m[0] for m in mismatches] == [str(globex.company_id)] * len(mismatches) != []
    # An export file that no longer matches the mart it was written from.
    period = day.replace(day=1)
    assert read_totals(orchestration_env.exports_dir, period) != mart_totals(period)
