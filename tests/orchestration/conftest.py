"""Fixtures for the orchestration tests: one migrated warehouse, dbt output databases of
their own (TRACKER_DBT_SCHEMA), Dagster definitions built once, generated data.

dbt runs cost 10-25 s each on two cores, so the pipeline tests share one materialization
(tests/orchestration/test_pipeline.py builds on it step by step).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.orchestration import world as world_module

# How far back the partitions start, and where the generated days lie (before today,
# so "today" from other test suites' events never mixes into the range the tests rebuild).
PARTITION_DAYS = 30
FIRST_DAY_OFFSET = 8


@dataclass
class Environment:
    schema: str
    start_date: date
    exports_dir: Path
    dagster_home: Path

    def database(self, layer: str) -> str:
        return f"{self.schema}_{layer}"


@pytest.fixture(scope="package")
def orchestration_env(warehouse, tmp_path_factory):
    """Migrations applied, the plan catalogue loaded, TRACKER_ settings for these tests."""
    from saas_tracker.clickhouse import get_client
    from saas_tracker.control import plans
    from saas_tracker.migrate import migrate

    migrate()
    plans.sync_catalogue(actor=world_module.ACTOR)
    today = datetime.now(UTC).date()
    root = tmp_path_factory.mktemp("orchestration")
    env = Environment(
        schema=f"t_orch_{uuid.uuid4().hex[:8]}",
        start_date=today - timedelta(days=PARTITION_DAYS),
        exports_dir=root / "exports",
        dagster_home=root / "dagster",
    )
    values = {
        "TRACKER_DBT_SCHEMA": env.schema,
        # A target of this session's own: the partial-parse cache then matches its profile.
        "TRACKER_DBT_TARGET_PATH": str(root / "dbt-target"),
        "TRACKER_ORCHESTRATION_START_DATE": env.start_date.isoformat(),
        "TRACKER_ORCHESTRATION_EXPORTS_DIR": str(env.exports_dir),
        "TRACKER_ORCHESTRATION_DAGSTER_HOME": str(env.dagster_home),
    }
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    from orchestration.defs.dbt.project import dbt_project

    dbt_project.cache_clear()
    yield env
    dbt_project.cache_clear()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    for layer in ("staging", "intermediate", "marts", "api"):
        get_client().command("DROP DATABASE IF EXISTS {db:Identifier}", parameters={"db": env.database(layer)})


@pytest.fixture(scope="package")
def defs(orchestration_env):
    """The Definitions exactly as `dagster dev -m orchestration.definitions` loads them."""
    from orchestration.definitions import build_definitions

    return build_definitions()


@pytest.fixture(scope="package")
def world(orchestration_env):
    """Two companies with five days of events, ending three days before today."""
    today = datetime.now(UTC).date()
    generated = world_module.build_world(today - timedelta(days=FIRST_DAY_OFFSET))
    yield generated
    world_module.forget(generated)
