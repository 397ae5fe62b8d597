"""`saas-tracker orchestrate`: the Dagster webserver and daemon on a local DAGSTER_HOME."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from dagster import DagsterInstance

from orchestration.instance import daemon_command, prepare_home, webserver_command
from orchestration.settings import OrchestrationSettings
from tests.warehouse_process import free_port

JOBS_QUERY = '{"query": "{ repositoriesOrError { ... on RepositoryConnection { nodes { jobs { name } } } } }"}'


def test_the_dagster_home_has_telemetry_off_and_one_slot_for_warehouse_writers(tmp_path):
    settings = OrchestrationSettings(dagster_home=tmp_path / "dagster", webserver_port=3111)
    home = prepare_home(settings)
    with DagsterInstance.from_config(str(home)) as instance:  # Dagster validates dagster.yaml here
        assert instance.telemetry_enabled is False
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
    assert webserver_command(settings)[-5:] == [
        "127.0.0.1",
        "--port",
        "3111",
        "--module-name",
        "orchestration.definitions",
    ]
    assert daemon_command()[-2:] == ["--module-name", "orchestration.definitions"]


def _post(url: str, body: str) -> dict | None:
    request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
    except OSError:
        return None


def _jobs(port: int) -> set[str]:
    answer = _post(f"http://127.0.0.1:{port}/graphql", JOBS_QUERY) or {}
    nodes = (answer.get("data") or {}).get("repositoriesOrError", {}).get("nodes") or []
    return {job["name"] for node in nodes for job in node["jobs"]}


def _group_alive(pid: int) -> bool:
    return subprocess.run(["pgrep", "-g", str(pid)], capture_output=True).stdout != b""


# Starting the webserver and daemon loads the definitions in three processes: 30-60 s on
# two cores, too slow for the default run.
@pytest.mark.slow
def test_orchestrate_serves_the_ui_and_stops_everything_it_started(orchestration_env, tmp_path):
    port = free_port()
    env = {**os.environ, "TRACKER_DATA_DIR": str(tmp_path)}
    env.pop("TRACKER_ORCHESTRATION_DAGSTER_HOME", None)  # the default: <TRACKER_DATA_DIR>/dagster
    log = tmp_path / "orchestrate.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "saas_tracker", "orchestrate", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 180
        jobs: set[str] = set()
        while time.monotonic() < deadline and not jobs:
            assert process.poll() is None, log.read_text()[-3000:]
            if not pids and (found := re.search(r"webserver pid (\d+), daemon pid (\d+)", log.read_text())):
                pids = [int(pid) for pid in found.groups()]
            jobs = _jobs(port)
            time.sleep(1)
        assert {"refresh", "deletion_request", "retention_enforcement", "feature_backfill"} <= jobs
        assert (tmp_path / "dagster" / "dagster.yaml").exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 0, log.read_text()[-3000:]
        # Neither the webserver nor the daemon, nor any process they started, outlives the command.
        assert pids and not any(_group_alive(pid) for pid in pids)
    finally:
        for pid in [process.pid, *pids]:
            if _group_alive(pid):
                os.killpg(pid, signal.SIGKILL)
        process.wait()
