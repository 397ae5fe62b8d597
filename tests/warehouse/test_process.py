"""The warehouse as a process: ownership of its data, shutdown without loss, access control."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

import clickhouse_connect
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError

from tests.warehouse_process import WarehouseProcess, free_port


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "saas_tracker", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def own_warehouse(tmp_path):
    process = WarehouseProcess(tmp_path / "clickhouse", free_port())
    yield process
    process.stop(signal.SIGKILL)


def test_second_instance_on_same_directory_is_refused(own_warehouse):
    own_warehouse.start()
    second = cli("warehouse", "start", "--port", str(free_port()), "--data-dir", str(own_warehouse.data_dir))
    assert second.returncode != 0
    assert "already owned by process" in second.stderr
    assert str(own_warehouse.process.pid) in second.stderr


def test_status_and_stop(own_warehouse):
    own_warehouse.start()
    status = cli("warehouse", "status", "--data-dir", str(own_warehouse.data_dir))
    assert status.returncode == 0 and "ready" in status.stdout and str(own_warehouse.port) in status.stdout
    stopped = cli("warehouse", "stop", "--data-dir", str(own_warehouse.data_dir))
    assert "stopped" in stopped.stdout
    assert own_warehouse.process.wait(30) == 0
    status = cli("warehouse", "status", "--data-dir", str(own_warehouse.data_dir))
    assert status.returncode == 1 and "not running" in status.stdout


def test_sigterm_during_inserts_loses_nothing_acknowledged(own_warehouse):
    own_warehouse.start()
    client = clickhouse_connect.get_client(host="127.0.0.1", port=own_warehouse.port, autogenerate_session_id=False)
    client.command("CREATE TABLE acked (batch UInt32, n UInt32) ENGINE = MergeTree ORDER BY (batch, n)")
    acknowledged: list[int] = []

    def load():
        for batch in range(10_000):
            try:
                client.insert("acked", [[batch, i] for i in range(500)], column_names=["batch", "n"])
            except Exception:
                return
            acknowledged.append(batch)

    worker = threading.Thread(target=load)
    worker.start()
    while len(acknowledged) < 20:
        pass
    assert own_warehouse.stop(signal.SIGTERM) == 0
    worker.join()
    own_warehouse.start()
    reopened = clickhouse_connect.get_client(host="127.0.0.1", port=own_warehouse.port, autogenerate_session_id=False)
    stored = dict(reopened.query("SELECT batch, count() FROM acked GROUP BY batch").result_rows)
    assert all(stored.get(batch) == 500 for batch in acknowledged), "an acknowledged batch is missing"
    assert set(stored.values()) == {500}, "a batch was stored partially"


def test_beyond_loopback_requires_a_password(tmp_path):
    refused = cli(
        "warehouse", "start", "--host", "0.0.0.0", "--port", str(free_port()), "--data-dir", str(tmp_path / "ch")
    )
    assert refused.returncode != 0
    assert "requires a password" in refused.stderr and "TRACKER_WAREHOUSE_PASSWORD" in refused.stderr


def test_password_is_enforced_when_set(own_warehouse):
    own_warehouse.start(env={"TRACKER_WAREHOUSE_PASSWORD": "s3cret-pass"})
    with pytest.raises(DatabaseError) as error:
        clickhouse_connect.get_client(host="127.0.0.1", port=own_warehouse.port, password="wrong")
    assert "516" in str(error.value)
    client = clickhouse_connect.get_client(host="127.0.0.1", port=own_warehouse.port, password="s3cret-pass")
    assert client.command("SELECT 1") == 1
