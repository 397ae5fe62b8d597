"""Settings of the orchestration service (environment ``TRACKER_ORCHESTRATION_*``).

Read when the definitions are built or a run needs them, never at import time.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from saas_tracker.settings import core_settings


class OrchestrationSettings(BaseSettings):
    """Partitions, schedules, sensors and where Dagster keeps its state."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_ORCHESTRATION_", env_file=".env", extra="ignore")

    # First daily partition. Days before it can still be rebuilt by dbt directly, but
    # Dagster neither schedules nor backfills them.
    start_date: date = date(2025, 1, 1)
    # Dagster's instance directory (runs, event logs, schedules' state); default
    # <TRACKER_DATA_DIR>/dagster.
    dagster_home: Path | None = None
    # Billing export files; default <TRACKER_DATA_DIR>/exports.
    exports_dir: Path | None = None
    webserver_host: str = "127.0.0.1"
    webserver_port: int = 3000
    # The hourly refresh runs at this minute of every hour; the daily close of yesterday
    # at close_hour:close_minute UTC, late enough for the collector's spool and
    # retries (minutes) to have landed.
    refresh_minute: int = 10
    close_hour: int = 2
    close_minute: int = 30
    # Sensors poll this often (seconds).
    sensor_interval_seconds: int = 60

    def home(self) -> Path:
        return (self.dagster_home or core_settings().data_dir / "dagster").resolve()

    def exports_root(self) -> Path:
        return (self.exports_dir or core_settings().data_dir / "exports").resolve()
