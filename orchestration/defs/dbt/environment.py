"""The environment dbt runs in: the profile's variables derived from the TRACKER_
settings (``saas_tracker.dbt.dbt_env``, the one place that knows the mapping), Dagster's
own target directory, and the dbt executable beside this Python."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from saas_tracker.dbt import DbtSettings, dbt_env


def dbt_executable() -> str:
    """The dbt installed beside this Python (the venv need not be on PATH), else dbt on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def dagster_target_path(settings: DbtSettings | None = None) -> Path:
    """Where Dagster's dbt invocations keep their artifacts.

    Not dbt's default ``target/``: analysts and tests run dbt there too, and a manifest
    rewritten while Dagster reads it would break the code location.
    """
    settings = settings or DbtSettings()
    return (settings.target_path or settings.project_dir / "target" / "dagster").resolve()


# os.environ is process-wide: one invocation at a time may change it.
_environment_lock = threading.Lock()


@contextlib.contextmanager
def dbt_environment(extra: Mapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """os.environ as a dbt process started meanwhile must see it, plus ``extra`` (a run's day range)."""
    settings = DbtSettings()
    values = dbt_env(dbt=settings.model_copy(update={"target_path": dagster_target_path(settings)})) | dict(extra or {})
    with _environment_lock:
        previous = {key: os.environ.get(key) for key in values}
        os.environ.update(values)
        try:
            yield values
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
