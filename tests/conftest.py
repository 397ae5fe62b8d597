"""Test-session fixtures: an embedded ClickHouse endpoint (or a real server) for every test.

Set TRACKER_TEST_CLICKHOUSE_URL=http://host:port to run against a real
ClickHouse server instead of starting the embedded one.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from tests.warehouse_process import WarehouseProcess, free_port

# Nothing in the test run may wait on the network.
for _name, _value in {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "GX_ANALYTICS_ENABLED": "false",
}.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory):
    """The ClickHouse every test talks to; TRACKER_CLICKHOUSE_URL points at it for the whole session."""
    from saas_tracker.clickhouse import close_shared_clients
    from saas_tracker.settings import core_settings

    external = os.environ.get("TRACKER_TEST_CLICKHOUSE_URL")
    process = None
    if external:
        parts = urlsplit(external)
        handle = SimpleNamespace(
            url=external, host=parts.hostname, port=parts.port or 8123, process=None, data_dir=None
        )
    else:
        root = tmp_path_factory.mktemp("warehouse")
        process = WarehouseProcess(data_dir=root / "clickhouse", port=free_port()).start()
        handle = process
    previous = {k: os.environ.get(k) for k in ("TRACKER_CLICKHOUSE_URL", "TRACKER_DATA_DIR", "TRACKER_ENV")}
    os.environ["TRACKER_CLICKHOUSE_URL"] = handle.url
    os.environ["TRACKER_DATA_DIR"] = str(tmp_path_factory.mktemp("tracker-data"))
    os.environ["TRACKER_ENV"] = "test"
    core_settings.cache_clear()
    yield handle
    close_shared_clients()
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    core_settings.cache_clear()
    if process is not None:
        process.stop()


@pytest.fixture(scope="session")
def ch(warehouse):
    """A shared clickhouse-connect client (no session id) to the test warehouse."""
    from saas_tracker.clickhouse import get_client

    return get_client()


@pytest.fixture
def scratch_database(ch, request):
    """A fresh database for one test, dropped afterwards."""
    name = "t_" + request.node.name.lower().replace("[", "_").replace("]", "").replace("-", "_")[:40]
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    ch.command(f"DROP DATABASE IF EXISTS {name}")
    ch.command(f"CREATE DATABASE {name}")
    yield name
    ch.command(f"DROP DATABASE IF EXISTS {name}")
