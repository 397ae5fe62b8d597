"""Builds the dbt project over the fixture events once per session, the way production does.

1. load batch 1 and build everything (a first build);
2. three incremental runs, each after loading a batch of late and duplicate events,
   over the day range a Dagster backfill or daily partition would pass;
3. the first run's range again (idempotency);
4. `dbt build --full-refresh` with every data test and unit test.

Each step's marts are read right after it; the tests compare them with expected/*.csv.
dbt runs in-process through saas_tracker.dbt (one dbtRunner invocation per step).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from saas_tracker.clickhouse import get_client
from saas_tracker.dbt import DbtSettings, range_vars, run_dbt
from tests.models import support

# The marts with an expected CSV, and the one api_ table (the other api_ models are views).
MODELS = {
    "stg_tracker__events": "staging",
    "fct_sessions": "marts",
    "fct_organization_activity_daily": "marts",
    "fct_active_users_daily": "marts",
    "dim_organizations": "marts",
    "fct_retention_cohorts": "marts",
    "fct_feature_adoption": "marts",
    "fct_feature_adoption_by_plan": "marts",
    "fct_organization_health_daily": "marts",
    "fct_plan_usage_monthly": "marts",
    "fct_billable_usage_monthly": "marts",
    "api_organizations": "api",
}
# (batch loaded before the run, first day, last day) of the three incremental runs.
INCREMENTAL_RUNS = [
    (2, date(2025, 3, 5), date(2025, 3, 11)),  # a backfill of the late events' days
    (3, date(2025, 3, 7), date(2025, 3, 7)),  # one daily partition
    (4, date(2025, 3, 12), date(2025, 3, 12)),  # today's partition
]


@dataclass
class Suite:
    schema: str
    labels: support.Labels
    dbt: DbtSettings
    results: dict[str, Any] = field(default_factory=dict)
    snapshots: dict[str, dict[str, list[tuple[str, ...]]]] = field(default_factory=dict)
    # step -> api_ rollup -> rows that differ from the relation it rolls up (both ways).
    rollup_differences: dict[str, dict[str, int]] = field(default_factory=dict)

    def database(self, layer: str) -> str:
        return f"{self.schema}_{layer}"

    def run(self, *args: str, extra_vars: dict | None = None, **kwargs: Any):
        return run_dbt(*args, vars={**support.SUITE_VARS, **(extra_vars or {})}, dbt=self.dbt, **kwargs)

    def snapshot(self, name: str) -> None:
        client = get_client()
        self.snapshots[name] = {
            model: support.actual(client, self.database(layer), model, support.expected(model)[0], self.labels)
            for model, layer in MODELS.items()
        }
        self.rollup_differences[name] = {
            rollup: support.rollup_differences(client, rollup, sql, self.database, self.labels)
            for rollup, sql in support.ROLLUPS.items()
        }


def _load(client, labels: support.Labels, batch: int) -> None:
    client.insert("tracker_raw.events", support.event_rows(labels, batch), column_names=support.RAW_COLUMNS)


@pytest.fixture(scope="session")
def models_suite(warehouse, tmp_path_factory) -> Suite:
    from saas_tracker.control import plans
    from saas_tracker.migrate import migrate

    client = get_client()
    migrate(client)
    plans.sync_catalogue(actor="tests/models")
    labels = support.Labels()
    support.register_labels(labels)
    support.insert_dicts(client, "tracker_control.subscriptions", support.subscription_rows(labels))
    support.insert_dicts(client, "tracker_control.feature_definitions", support.feature_rows(labels))

    schema = f"t_models_{uuid.uuid4().hex[:8]}"
    suite = Suite(schema, labels, DbtSettings(schema_name=schema, target_path=tmp_path_factory.mktemp("dbt-target")))
    try:
        _load(client, labels, 1)
        suite.results["first"] = suite.run("run")
        suite.snapshot("first")
        for batch, first, last in INCREMENTAL_RUNS:
            _load(client, labels, batch)
            # The last one is a build: the data tests check the incrementally built tables.
            args = ("build", "--exclude-resource-type", "unit_test") if batch == 4 else ("run",)
            suite.results[f"batch{batch}"] = suite.run(*args, extra_vars=range_vars(first, last))
        suite.snapshot("incremental")
        _, first, last = INCREMENTAL_RUNS[0]
        suite.results["rerun"] = suite.run("run", extra_vars=range_vars(first, last))
        suite.snapshot("rerun")
        # TRACKER_ENV=test: a full refresh must be asked for explicitly.
        suite.results["full_refresh"] = suite.run(
            "build", "--full-refresh", extra_vars={"tracker__allow_full_refresh": True}
        )
        suite.snapshot("full_refresh")
        yield suite
    finally:
        for layer in ("staging", "intermediate", "marts", "api"):
            client.command("DROP DATABASE IF EXISTS {db:Identifier}", parameters={"db": suite.database(layer)})
        companies = {"companies": labels.company_ids()}
        for table in ("tracker_raw.events", "tracker_control.subscriptions", "tracker_control.feature_definitions"):
            client.command(
                f"ALTER TABLE {table} DELETE WHERE company_id IN {{companies:Array(UUID)}}",
                parameters=companies,
                settings={"mutations_sync": 2},
            )
