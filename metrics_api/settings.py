"""Metrics API settings (environment variables prefixed ``TRACKER_METRICS_``)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
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

    def database(self) -> str:
        if self.api_database:
            return self.api_database
        from saas_tracker.dbt import DbtSettings

        return f"{DbtSettings().schema_name}_api"


@lru_cache(maxsize=1)
def metrics_settings() -> MetricsSettings:
    return MetricsSettings()
