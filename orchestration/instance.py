"""The local Dagster instance behind `saas-tracker orchestrate`: a DAGSTER_HOME under
<TRACKER_DATA_DIR>/dagster with a dagster.yaml, and the two processes to start.

dagster.yaml turns telemetry off and gives the ``warehouse_writer`` pool (every op that
rewrites warehouse tables) one slot: runs may queue, but two of them never replace the
same day partitions at once. Run storage is Dagster's default (SQLite in DAGSTER_HOME).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from orchestration.settings import OrchestrationSettings

DAGSTER_YAML = """\
# Written by `saas-tracker orchestrate` at every start; change orchestration/instance.py instead.
telemetry:
  enabled: false
concurrency:
  pools:
    # Ops of one pool share its slots across runs; warehouse_writer is every op that
    # rewrites warehouse tables (dbt, deletion, retention).
    default_limit: 1
    granularity: op
  runs:
    max_concurrent_runs: 4
"""

# No usage data leaves the machine, from any of the tools Dagster runs.
QUIET_ENVIRONMENT = {
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
}

CODE_LOCATION = "orchestration.definitions"


def prepare_home(settings: OrchestrationSettings) -> Path:
    home = settings.home()
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(DAGSTER_YAML)
    return home


def environment(home: Path) -> dict[str, str]:
    return {**os.environ, **QUIET_ENVIRONMENT, "DAGSTER_HOME": str(home)}


def webserver_command(settings: OrchestrationSettings, host: str | None = None, port: int | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dagster_webserver",
        "--host",
        host or settings.webserver_host,
        "--port",
        str(port or settings.webserver_port),
        "--module-name",
        CODE_LOCATION,
    ]


def daemon_command() -> list[str]:
    return [sys.executable, "-m", "dagster._daemon", "run", "--module-name", CODE_LOCATION]
