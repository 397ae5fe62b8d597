""".env.example lists every setting the services read, so an operator never has to read the
code to find one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from ingest_api.settings import IngestSettings
from metrics_api.settings import MetricsSettings
from orchestration.settings import OrchestrationSettings
from saas_tracker.dbt import DbtSettings
from saas_tracker.settings import CoreSettings, WarehouseSettings

EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"
SETTINGS = [CoreSettings, WarehouseSettings, DbtSettings, IngestSettings, MetricsSettings, OrchestrationSettings]
# Read by docker-compose and by the test suite, not by a settings class.
OTHERS = {"TRACKER_IMAGE_TAG", "TRACKER_TEST_CLICKHOUSE_URL"}


def variables(settings: type[BaseSettings]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias.upper() if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def listed() -> set[str]:
    """Variables set or shown commented out (`# TRACKER_X=...`) in the example."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), flags=re.MULTILINE))


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: s.__name__)
def test_every_setting_is_in_the_example(settings):
    assert variables(settings) - listed() == set()


def test_the_example_names_no_setting_that_does_not_exist():
    known = set().union(*(variables(s) for s in SETTINGS))
    tracker = {name for name in listed() if name.startswith("TRACKER_")}
    assert tracker - known - OTHERS == set()
