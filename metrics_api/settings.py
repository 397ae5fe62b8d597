"""Metrics API settings (environment variables prefixed ``TRACKER_METRICS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, PrivateAttr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MetricsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACKER_METRICS_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8001
    # The database the dbt api_ models build into; default <TRACKER_DBT_SCHEMA>_api.
    api_database: str | None = None
    # The event explorer and the query builder refuse wider time ranges (they scan raw events).
    max_event_range_days: int = Field(default=31, ge=1)
    max_query_range_days: int = Field(default=366, ge=1)
    # A guard on every analytics query, so one request cannot hold the warehouse.
    query_timeout_seconds: int = Field(default=30, ge=1)
    # Threads one query may use (ClickHouse's max_threads; 0 = the server's default, one
    # per core). Dashboards send many small queries at once: with one thread each they
    # share the cores instead of contending for them.
    query_max_threads: int = Field(default=1, ge=0)

    # Resolved once per settings object: every request asks, and reading DbtSettings from
    # the environment each time showed up in the per-request cost.
    _database: str | None = PrivateAttr(default=None)

    def database(self) -> str:
        if self._database is None:
            if self.api_database:
                self._database = self.api_database
            else:
                from saas_tracker.dbt import DbtSettings

                self._database = f"{DbtSettings().schema_name}_api"
        return self._database


@lru_cache(maxsize=1)
def metrics_settings() -> MetricsSettings:
    return MetricsSettings()
