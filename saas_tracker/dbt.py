"""Run the dbt project (``dbt_project/``) against the configured ClickHouse.

``dbt_project/profiles.yml`` reads only environment variables. :func:`dbt_env` derives
them from the ``TRACKER_`` settings (``TRACKER_CLICKHOUSE_URL`` is a URL; dbt wants host,
port and scheme apart, which Jinja cannot split nicely), so dbt, Dagster and the services
always point at the same warehouse. Dagster passes ``dbt_env()`` to its dbt resource;
scripts and tests call :func:`run_dbt`, which runs dbt in-process through ``dbtRunner``.

Incremental runs rebuild a day range given as vars (:func:`range_vars`) or, from Dagster,
as environment variables (:func:`range_env`); see
``dbt_project/README.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from saas_tracker.settings import CoreSettings, core_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


class DbtSettings(BaseSettings):
    """Where the dbt project is and where it writes (environment ``TRACKER_DBT_*``)."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_DBT_", env_file=".env", extra="ignore", populate_by_name=True)

    project_dir: Path = DBT_PROJECT_DIR
    # Output databases are <schema>_staging, _intermediate, _marts and _api.
    schema_name: str = Field(default="tracker", validation_alias="TRACKER_DBT_SCHEMA")
    # Two: each ClickHouse query already uses every core of the embedded warehouse, and more
    # concurrent models only compete (one-day build: 21-25 s with 2 threads, 29-31 s with 4,
    # on the 2-core reference machine). Raise it for a real server.
    threads: int = 2
    # dbt's target/ (compiled SQL, manifest, partial-parse cache); default <project_dir>/target.
    target_path: Path | None = None


class DbtRunError(RuntimeError):
    """A dbt invocation failed; the message lists every failed node."""

    def __init__(self, message: str, result: Any = None):
        super().__init__(message)
        self.result = result


def dbt_env(settings: CoreSettings | None = None, dbt: DbtSettings | None = None) -> dict[str, str]:
    """The environment ``dbt_project/profiles.yml`` expects, from the TRACKER_ settings."""
    settings = settings or core_settings()
    dbt = dbt or DbtSettings()
    env = {
        "DBT_PROJECT_DIR": str(dbt.project_dir),
        "DBT_PROFILES_DIR": str(dbt.project_dir),
        "TRACKER_CH_HOST": settings.clickhouse_host,
        "TRACKER_CH_PORT": str(settings.clickhouse_port),
        "TRACKER_CH_SECURE": str(settings.clickhouse_secure),  # as_bool wants True/False
        "TRACKER_CH_USER": settings.clickhouse_user,
        "TRACKER_CH_PASSWORD": settings.clickhouse_password.get_secret_value(),
        "TRACKER_DBT_SCHEMA": dbt.schema_name,
        "TRACKER_DBT_THREADS": str(dbt.threads),
        # The full-refresh guard (macros/guard_full_refresh.sql) reads it.
        "TRACKER_ENV": settings.env,
        # No usage data leaves the machine.
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    if dbt.target_path is not None:
        env["DBT_TARGET_PATH"] = str(dbt.target_path)
    return env


def range_vars(start: date, end: date | None = None, *, as_of: date | None = None) -> dict[str, str]:
    """Vars for a run that rebuilds the days ``start``..``end`` (inclusive)."""
    end = end or start
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    result = {"tracker__start_date": start.isoformat(), "tracker__end_date": end.isoformat()}
    if as_of is not None:
        result["tracker__as_of_date"] = as_of.isoformat()
    return result


def range_env(start: date, end: date | None = None) -> dict[str, str]:
    """The same range as environment variables (each var's name in capitals), which
    macros/run_range.sql reads when no var is given. Dagster passes these instead of
    --vars: a change of --vars makes dbt re-parse the whole project (about 2-3 s here),
    an environment variable read only while executing does not."""
    return {name.upper(): value for name, value in range_vars(start, end).items()}


# dbtRunner reads its configuration from os.environ, which is process-wide: one
# invocation at a time may change it.
_environment_lock = threading.Lock()


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    with _environment_lock:
        previous = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def failure_report(result: Any) -> str:
    """Why a dbt invocation failed, node by node."""
    lines = [f"dbt success={result.success} exception={result.exception!r}"]
    for node_result in getattr(result.result, "results", None) or []:
        if str(node_result.status) not in ("success", "pass", "skipped"):
            lines.append(f"  {node_result.node.unique_id}: {node_result.status}: {node_result.message}")
    return "\n".join(lines)


def run_dbt(
    *args: str,
    vars: Mapping[str, Any] | None = None,
    settings: CoreSettings | None = None,
    dbt: DbtSettings | None = None,
    check: bool = True,
) -> Any:
    """``dbt <args>`` in-process; returns the ``dbtRunnerResult``.

    ``vars`` become ``--vars`` (JSON). With ``check`` (the default) a failed invocation
    raises :class:`DbtRunError`.
    """
    from dbt.cli.main import dbtRunner  # dbt is heavy to import; only runs need it

    dbt = dbt or DbtSettings()
    cli_args: list[str] = [*args, "--project-dir", str(dbt.project_dir), "--profiles-dir", str(dbt.project_dir)]
    if vars:
        cli_args += ["--vars", json.dumps(dict(vars), default=str)]
    with _environment(dbt_env(settings, dbt)):
        result = dbtRunner().invoke(cli_args)
    if check and not (result.success and result.exception is None):
        raise DbtRunError(failure_report(result), result)
    return result


def build_days(
    start: date,
    end: date | None = None,
    *,
    as_of: date | None = None,
    select: Sequence[str] = (),
    **kwargs: Any,
) -> Any:
    """``dbt build`` of the models, rebuilding the days ``start``..``end``."""
    args = ["build", *(["--select", *select] if select else [])]
    return run_dbt(*args, vars=range_vars(start, end, as_of=as_of), **kwargs)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m saas_tracker.dbt <dbt arguments>``: dbt with the TRACKER_ settings."""
    import sys

    result = run_dbt(*(sys.argv[1:] if argv is None else argv), check=False)
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
