"""Settings shared by every process.

Each service has one settings class; all read environment variables prefixed
``TRACKER_`` (and an optional ``.env`` file). Nothing is read at import time:
call :func:`core_settings` (or instantiate a class) when the value is needed.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]


class CoreSettings(BaseSettings):
    """Where the warehouse is and how to reach it; used by every component."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", env_file=".env", extra="ignore")

    env: Environment = "development"
    # Local state of every process: embedded ClickHouse data, spools, dev keys.
    data_dir: Path = Path(".tracker")
    clickhouse_url: str = "http://127.0.0.1:8123"
    clickhouse_user: str = "default"
    clickhouse_password: SecretStr = SecretStr("")
    # Server key that encrypts application secrets at rest (control plane).
    secret_key: SecretStr | None = None

    @property
    def clickhouse_host(self) -> str:
        return urlsplit(self.clickhouse_url).hostname or "127.0.0.1"

    @property
    def clickhouse_port(self) -> int:
        parts = urlsplit(self.clickhouse_url)
        return parts.port or (8443 if parts.scheme == "https" else 8123)

    @property
    def clickhouse_secure(self) -> bool:
        return urlsplit(self.clickhouse_url).scheme == "https"


class WarehouseSettings(BaseSettings):
    """The embedded ClickHouse endpoint (`saas-tracker warehouse start`)."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_WAREHOUSE_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8123
    # Defaults to <TRACKER_DATA_DIR>/clickhouse when unset.
    data_dir: Path | None = None
    # Required when host is not a loopback address.
    password: SecretStr = SecretStr("")
    # Idle HTTP sessions (session_id) are dropped after this many seconds,
    # like ClickHouse's default session_timeout.
    session_timeout_seconds: int = 60
    # Upper bound of queries running at once; more wait their turn.
    max_concurrent_queries: int = 64


@lru_cache(maxsize=1)
def core_settings() -> CoreSettings:
    """The process-wide core settings, read on first use."""
    return CoreSettings()
