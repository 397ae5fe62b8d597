"""dbt-clickhouse over the warehouse endpoint: a small project built twice.

Run 1 loads ten raw events (received 2024-03-10 12:00) and three organizations, then
`dbt build`s seeds, a view, a table, four incremental strategies, a snapshot, generic
tests and unit tests. Run 2 loads three more events (one late, for 2024-03-03) and
rewrites the organizations seed (o2 upgrades, o4 appears), then builds again. Every
expected row below was worked out by hand from these inputs, so a lost, doubled or
misplaced row fails the suite, not just a non-zero exit code.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest

from saas_tracker.clickhouse import get_client
from saas_tracker.settings import core_settings
from tests.conformance import dbt_support

pytestmark = pytest.mark.conformance

RAW_COLUMNS = ["company_id", "customer_org_id", "event_id", "event", "ts", "user_hash", "received_at"]
RECEIVED_1 = datetime(2024, 3, 10, 12, tzinfo=UTC)
RECEIVED_2 = datetime(2024, 3, 11, 12, tzinfo=UTC)


def _event(company: str, org: str, event_id: str, event: str, ts: str, user: str, received: datetime) -> list:
    return [company, org, event_id, event, datetime.fromisoformat(ts).replace(tzinfo=UTC), user, received]


RAW_BATCH_1 = [
    _event("c1", "o1", "e01", "login", "2024-03-01 09:00:00", "u1", RECEIVED_1),
    _event("c1", "o1", "e02", "view", "2024-03-01 09:05:00", "u1", RECEIVED_1),
    _event("c1", "o2", "e03", "login", "2024-03-01 10:00:00", "u2", RECEIVED_1),
    _event("c2", "o3", "e04", "login", "2024-03-01 11:00:00", "u3", RECEIVED_1),
    _event("c1", "o1", "e05", "login", "2024-03-02 08:00:00", "u1", RECEIVED_1),
    _event("c2", "o3", "e06", "view", "2024-03-02 12:00:00", "u3", RECEIVED_1),
    _event("c2", "o3", "e07", "view", "2024-03-02 12:30:00", "u4", RECEIVED_1),
    _event("c1", "o2", "e08", "view", "2024-03-03 07:00:00", "u2", RECEIVED_1),
    # Half a second before midnight: must stay in the 2024-03-03 batch and day.
    _event("c1", "o1", "e09", "export", "2024-03-03 23:59:59.500", "u1", RECEIVED_1),
    # Outside both microbatch ranges below: must never reach events_microbatch.
    _event("c2", "o3", "e10", "login", "2024-03-10 00:00:00", "u3", RECEIVED_1),
]
RAW_BATCH_2 = [
    # Late: an event of 2024-03-03 that arrives after run 1.
    _event("c1", "o1", "e11", "view", "2024-03-03 10:00:00", "u5", RECEIVED_2),
    _event("c2", "o3", "e12", "login", "2024-03-04 09:00:00", "u3", RECEIVED_2),
    _event("c1", "o2", "e13", "login", "2024-03-04 09:30:00", "u2", RECEIVED_2),
]
ORGS_CSV_RUN_2 = """company_id,customer_org_id,plan,updated_at
c1,o1,starter,2024-02-01 00:00:00
c1,o2,starter,2024-03-05 00:00:00
c2,o3,growth,2024-01-10 00:00:00
c2,o4,enterprise,2024-03-06 00:00:00
"""

# Microbatch ranges; --event-time-end is exclusive.
RUN_1_EVENT_TIME = ["--event-time-start", "2024-03-01", "--event-time-end", "2024-03-04"]
RUN_2_EVENT_TIME = ["--event-time-start", "2024-03-03", "--event-time-end", "2024-03-05"]

# Every relation as the tests compare it: timestamps as strings so the comparison
# does not depend on how the client maps time zones.
QUERIES = {
    "plans": "select plan, monthly_price, events_limit from {db:Identifier}.plans order by monthly_price",
    "orgs": "select company_id, customer_org_id, plan, toString(updated_at) from {db:Identifier}.orgs"
    " order by customer_org_id",
    "stg_events": "select event_id from {db:Identifier}.stg_events order by event_id",
    "org_plans": "select company_id, customer_org_id, plan, monthly_price from {db:Identifier}.org_plans"
    " order by company_id, customer_org_id",
    "events_append": "select event_id, toString(ts), toString(received_at) from {db:Identifier}.events_append"
    " order by event_id",
    "daily_org_events": "select company_id, customer_org_id, toString(event_date), event_count, user_count,"
    " toString(last_received_at) from {db:Identifier}.daily_org_events"
    " order by company_id, customer_org_id, event_date",
    "daily_company_events": "select company_id, toString(event_date), event_count, org_count,"
    " toString(last_received_at) from {db:Identifier}.daily_company_events order by company_id, event_date",
    "events_microbatch": "select event_id, toString(ts) from {db:Identifier}.events_microbatch order by event_id",
    "orgs_snapshot": "select customer_org_id, plan, toString(dbt_valid_from), toString(dbt_valid_to)"
    " from {db:Identifier}.orgs_snapshot order by customer_org_id, dbt_valid_from",
    "overwrite_partitions": "select distinct partition_id from system.parts where active"
    " and database = {db:String} and table = 'daily_company_events' order by partition_id",
    "leftover_tables": "select name from system.tables where database = {db:String}"
    " and (position(name, '__dbt_') > 0 or position(name, '__snapshot_upsert') > 0) order by name",
}


class Project(NamedTuple):
    dir: Path
    schema: str  # the ClickHouse database dbt builds into, unique per test session
    host: str  # the warehouse host: the only one dbt may reach


class Run:
    """One dbt build: its result and every relation's contents right after it."""

    def __init__(self, result, network_attempts, tables: dict[str, list[tuple]]):
        self.result = result
        self.network_attempts = network_attempts
        self.tables = tables
        self.nodes = dbt_support.results_by_name(result)


def _read_tables(schema: str) -> dict[str, list[tuple]]:
    ch = get_client()
    return {
        name: [tuple(row) for row in ch.query(sql, parameters={"db": schema}).result_rows]
        for name, sql in QUERIES.items()
    }


@pytest.fixture(scope="module")
def project(warehouse, tmp_path_factory) -> Iterator[Project]:
    """A private copy of the fixture project pointed at a fresh database."""
    url = urlsplit(warehouse.url)
    settings = core_settings()
    schema = f"conformance_dbt_{uuid.uuid4().hex[:12]}"
    project_dir = dbt_support.copy_fixture(tmp_path_factory.mktemp("dbt"))
    ch = get_client()
    ch.command("create database {db:Identifier}", parameters={"db": schema})
    ch.command(
        """
        create table {db:Identifier}.raw_events (
            company_id LowCardinality(String),
            customer_org_id String,
            event_id String,
            event LowCardinality(String),
            ts DateTime64(3, 'UTC'),
            user_hash String,
            received_at DateTime64(3, 'UTC')
        ) engine = MergeTree order by (company_id, customer_org_id, ts, event_id)
        """,
        parameters={"db": schema},
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CONFORMANCE_CH_HOST", url.hostname or "127.0.0.1")
        env.setenv("CONFORMANCE_CH_PORT", str(url.port or warehouse.port))
        env.setenv("CONFORMANCE_CH_SECURE", str(url.scheme == "https"))
        env.setenv("CONFORMANCE_CH_USER", url.username or settings.clickhouse_user)
        env.setenv("CONFORMANCE_CH_PASSWORD", url.password or settings.clickhouse_password.get_secret_value())
        env.setenv("CONFORMANCE_CH_SCHEMA", schema)
        env.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        yield Project(project_dir, schema, url.hostname or "127.0.0.1")
    ch.command("drop database if exists {db:Identifier}", parameters={"db": schema})


@pytest.fixture(scope="module")
def debug(project: Project):
    with dbt_support.only_warehouse_network(project.host) as attempts:
        result = dbt_support.invoke(project.dir, "debug")
    return result, attempts


@pytest.fixture(scope="module")
def run_1(project: Project, debug) -> Run:
    get_client().insert("raw_events", RAW_BATCH_1, column_names=RAW_COLUMNS, database=project.schema)
    with dbt_support.only_warehouse_network(project.host) as attempts:
        # The incremental unit test reads its model's columns, so it waits for run 2.
        result = dbt_support.invoke(project.dir, "build", *RUN_1_EVENT_TIME, "--exclude", "tag:needs_built_model")
    dbt_support.require_success(result)
    return Run(result, attempts, _read_tables(project.schema))


@pytest.fixture(scope="module")
def run_2(project: Project, run_1) -> Run:
    get_client().insert("raw_events", RAW_BATCH_2, column_names=RAW_COLUMNS, database=project.schema)
    (project.dir / "seeds" / "orgs.csv").write_text(ORGS_CSV_RUN_2)
    with dbt_support.only_warehouse_network(project.host) as attempts:
        result = dbt_support.invoke(project.dir, "build", *RUN_2_EVENT_TIME)
    dbt_support.require_success(result)
    return Run(result, attempts, _read_tables(project.schema))


# --- project hygiene and dbt debug ---------------------------------------------------


def test_fixture_project_needs_no_packages():
    # dbt deps would reach hub.getdbt.com, which these machines cannot.
    assert not (dbt_support.FIXTURE_DIR / "packages.yml").exists()
    assert not (dbt_support.FIXTURE_DIR / "dependencies.yml").exists()


def test_network_guard_refuses_and_records_outside_hosts():
    # The guard that the `network_attempts == []` checks rely on: a name outside the
    # allowed set is refused before any look-up leaves the process.
    with dbt_support.only_warehouse_network("127.0.0.1") as attempts:
        with pytest.raises(OSError, match="conformance test refused"):
            socket.getaddrinfo("hub.getdbt.invalid", 443)
    assert attempts == [("getaddrinfo", "hub.getdbt.invalid")]


def test_dbt_debug_connects_without_outside_network(debug):
    result, attempts = debug
    assert result.success and result.result is True, dbt_support.failure_report(result)
    assert attempts == []


# --- run 1: a fresh build --------------------------------------------------------------


def test_first_build_runs_every_node(run_1):
    assert dbt_support.count_by_resource_type(run_1.result) == {
        "seed": 2,
        "snapshot": 1,
        "model": 6,
        "test": 21,
        "unit_test": 1,
    }
    assert run_1.network_attempts == []


def test_generic_tests_run_and_count_failures(run_1):
    # The one deliberately failing test: the `export` event is not in [login, view].
    warned = run_1.nodes["stg_events_event_is_login_or_view"]
    assert (str(warned.status), warned.failures) == ("warn", 1)
    others = {
        name: str(node.status)
        for name, node in run_1.nodes.items()
        if str(node.node.resource_type) == "test" and name != "stg_events_event_is_login_or_view"
    }
    assert len(others) == 20
    assert set(others.values()) == {"pass"}, others
    for prefix in ("unique_", "not_null_", "accepted_values_", "relationships_"):
        assert any(name.startswith(prefix) for name in others), prefix


def _unit_test_statuses(run: Run) -> dict[str, str]:
    return {name: str(node.status) for name, node in run.nodes.items() if str(node.node.resource_type) == "unit_test"}


def test_unit_tests_pass(run_1):
    assert _unit_test_statuses(run_1) == {"daily_org_events_counts_events_and_distinct_users": "pass"}


def test_seeds_load_typed_rows(run_1, project: Project):
    assert run_1.tables["plans"] == [
        ("trial", Decimal("0.00"), 10000),
        ("starter", Decimal("49.00"), 1000000),
        ("growth", Decimal("199.00"), 10000000),
        ("enterprise", Decimal("999.00"), 100000000),
    ]
    assert run_1.tables["orgs"] == [
        ("c1", "o1", "starter", "2024-02-01 00:00:00"),
        ("c1", "o2", "trial", "2024-02-15 00:00:00"),
        ("c2", "o3", "growth", "2024-01-10 00:00:00"),
    ]
    types = get_client().query(
        "select name, type from system.columns where database = {db:String} and table = 'plans' order by position",
        parameters={"db": project.schema},
    )
    assert types.result_rows == [
        ("plan", "LowCardinality(String)"),
        ("monthly_price", "Decimal(10, 2)"),
        ("events_limit", "UInt64"),
    ]


def test_view_and_table_materializations(run_1, project: Project):
    engines = dict(
        get_client()
        .query(
            "select name, engine from system.tables where database = {db:String}"
            " and name in ('stg_events', 'org_plans', 'daily_company_events')",
            parameters={"db": project.schema},
        )
        .result_rows
    )
    assert engines == {"stg_events": "View", "org_plans": "MergeTree", "daily_company_events": "MergeTree"}
    assert run_1.tables["stg_events"] == [(f"e{i:02d}",) for i in range(1, 11)]
    assert run_1.tables["org_plans"] == [
        ("c1", "o1", "starter", Decimal("49.00")),
        ("c1", "o2", "trial", Decimal("0.00")),
        ("c2", "o3", "growth", Decimal("199.00")),
    ]


def test_first_run_of_incremental_models(run_1):
    r1 = "2024-03-10 12:00:00.000"
    assert [row[0] for row in run_1.tables["events_append"]] == [f"e{i:02d}" for i in range(1, 11)]
    assert run_1.tables["daily_org_events"] == [
        ("c1", "o1", "2024-03-01", 2, 1, r1),
        ("c1", "o1", "2024-03-02", 1, 1, r1),
        ("c1", "o1", "2024-03-03", 1, 1, r1),
        ("c1", "o2", "2024-03-01", 1, 1, r1),
        ("c1", "o2", "2024-03-03", 1, 1, r1),
        ("c2", "o3", "2024-03-01", 1, 1, r1),
        ("c2", "o3", "2024-03-02", 2, 2, r1),
        ("c2", "o3", "2024-03-10", 1, 1, r1),
    ]
    assert run_1.tables["daily_company_events"] == [
        ("c1", "2024-03-01", 3, 2, r1),
        ("c1", "2024-03-02", 1, 1, r1),
        ("c1", "2024-03-03", 2, 2, r1),
        ("c2", "2024-03-01", 1, 1, r1),
        ("c2", "2024-03-02", 2, 1, r1),
        ("c2", "2024-03-10", 1, 1, r1),
    ]
    assert run_1.tables["overwrite_partitions"] == [("20240301",), ("20240302",), ("20240303",), ("20240310",)]


def test_first_microbatch_run_covers_only_its_range(run_1):
    batches = run_1.nodes["events_microbatch"].batch_results
    assert batches.failed == []
    assert sorted(str(start.date()) for start, _ in batches.successful) == ["2024-03-01", "2024-03-02", "2024-03-03"]
    assert run_1.tables["events_microbatch"] == [
        ("e01", "2024-03-01 09:00:00.000"),
        ("e02", "2024-03-01 09:05:00.000"),
        ("e03", "2024-03-01 10:00:00.000"),
        ("e04", "2024-03-01 11:00:00.000"),
        ("e05", "2024-03-02 08:00:00.000"),
        ("e06", "2024-03-02 12:00:00.000"),
        ("e07", "2024-03-02 12:30:00.000"),
        ("e08", "2024-03-03 07:00:00.000"),
        ("e09", "2024-03-03 23:59:59.500"),
    ]


def test_first_snapshot(run_1):
    assert run_1.tables["orgs_snapshot"] == [
        ("o1", "starter", "2024-02-01 00:00:00", None),
        ("o2", "trial", "2024-02-15 00:00:00", None),
        ("o3", "growth", "2024-01-10 00:00:00", None),
    ]


# --- run 2: new source rows and a changed seed ----------------------------------------


def test_second_build_succeeds_without_outside_network(run_2):
    assert dbt_support.count_by_resource_type(run_2.result) == {
        "seed": 2,
        "snapshot": 1,
        "model": 6,
        "test": 21,
        "unit_test": 2,
    }
    assert _unit_test_statuses(run_2) == {
        "daily_org_events_counts_events_and_distinct_users": "pass",
        "events_append_takes_only_rows_loaded_after_the_last_run": "pass",
    }
    assert (str(run_2.nodes["stg_events_event_is_login_or_view"].status),) == ("warn",)
    assert run_2.network_attempts == []
    # Intermediate relations (__dbt_new_data_*, __dbt_tmp, snapshot upserts) are cleaned up.
    assert run_2.tables["leftover_tables"] == []


def test_append_adds_exactly_the_new_rows(run_2):
    assert run_2.tables["events_append"][-3:] == [
        ("e11", "2024-03-03 10:00:00.000", "2024-03-11 12:00:00.000"),
        ("e12", "2024-03-04 09:00:00.000", "2024-03-11 12:00:00.000"),
        ("e13", "2024-03-04 09:30:00.000", "2024-03-11 12:00:00.000"),
    ]
    assert [row[0] for row in run_2.tables["events_append"]] == [f"e{i:02d}" for i in range(1, 14)]


def test_delete_insert_replaces_the_late_day_and_adds_new_days(run_2):
    r1, r2 = "2024-03-10 12:00:00.000", "2024-03-11 12:00:00.000"
    assert run_2.tables["daily_org_events"] == [
        ("c1", "o1", "2024-03-01", 2, 1, r1),
        ("c1", "o1", "2024-03-02", 1, 1, r1),
        ("c1", "o1", "2024-03-03", 2, 2, r2),  # e09 + late e11, one row, not two
        ("c1", "o2", "2024-03-01", 1, 1, r1),
        ("c1", "o2", "2024-03-03", 1, 1, r1),
        ("c1", "o2", "2024-03-04", 1, 1, r2),
        ("c2", "o3", "2024-03-01", 1, 1, r1),
        ("c2", "o3", "2024-03-02", 2, 2, r1),
        ("c2", "o3", "2024-03-04", 1, 1, r2),
        ("c2", "o3", "2024-03-10", 1, 1, r1),
    ]


def test_insert_overwrite_replaces_touched_partitions_only(run_2):
    r1, r2 = "2024-03-10 12:00:00.000", "2024-03-11 12:00:00.000"
    assert run_2.tables["daily_company_events"] == [
        ("c1", "2024-03-01", 3, 2, r1),
        ("c1", "2024-03-02", 1, 1, r1),
        ("c1", "2024-03-03", 3, 2, r2),  # partition replaced: e08, e09, late e11
        ("c1", "2024-03-04", 1, 1, r2),
        ("c2", "2024-03-01", 1, 1, r1),
        ("c2", "2024-03-02", 2, 1, r1),
        ("c2", "2024-03-04", 1, 1, r2),
        ("c2", "2024-03-10", 1, 1, r1),
    ]
    assert run_2.tables["overwrite_partitions"] == [
        ("20240301",),
        ("20240302",),
        ("20240303",),
        ("20240304",),
        ("20240310",),
    ]


def test_microbatch_reprocesses_its_range_without_duplicates(run_2):
    batches = run_2.nodes["events_microbatch"].batch_results
    assert batches.failed == []
    assert sorted(str(start.date()) for start, _ in batches.successful) == ["2024-03-03", "2024-03-04"]
    ids = [row[0] for row in run_2.tables["events_microbatch"]]
    # e01-e09 from run 1, e11-e13 from the two batches of run 2; e10 is outside both ranges.
    assert ids == [f"e{i:02d}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13)]


def test_table_and_seed_are_rebuilt(run_2):
    assert run_2.tables["org_plans"] == [
        ("c1", "o1", "starter", Decimal("49.00")),
        ("c1", "o2", "starter", Decimal("49.00")),
        ("c2", "o3", "growth", Decimal("199.00")),
        ("c2", "o4", "enterprise", Decimal("999.00")),
    ]
    assert run_2.tables["stg_events"] == [(f"e{i:02d}",) for i in range(1, 14)]


def test_snapshot_closes_the_changed_row_and_adds_new_ones(run_2):
    assert run_2.tables["orgs_snapshot"] == [
        ("o1", "starter", "2024-02-01 00:00:00", None),
        ("o2", "trial", "2024-02-15 00:00:00", "2024-03-05 00:00:00"),
        ("o2", "starter", "2024-03-05 00:00:00", None),
        ("o3", "growth", "2024-01-10 00:00:00", None),
        ("o4", "enterprise", "2024-03-06 00:00:00", None),
    ]
