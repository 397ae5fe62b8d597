"""Collector settings: environment variables prefixed ``TRACKER_INGEST_``.

Where ClickHouse is and where local state lives come from the core settings
(``TRACKER_CLICKHOUSE_URL``, ``TRACKER_DATA_DIR``); nothing is read at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from saas_tracker.settings import core_settings


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACKER_INGEST_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000

    # Limits of DESIGN.md section 5; a request over one gets a 413 naming it.
    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_events_per_batch: int = Field(500, ge=1)
    max_event_bytes: int = Field(32_768, ge=256)

    signature_tolerance_seconds: int = Field(300, ge=1)
    # Events whose ts_epoch is further ahead of the collector's clock are rejected.
    future_tolerance_seconds: int = Field(300, ge=0)

    # Per-application token bucket, in events (0 disables the limit). The burst must
    # hold one full batch, or a maximal batch could never pass.
    rate_limit_events_per_second: float = Field(50_000, ge=0)
    rate_limit_burst_events: int = Field(100_000, ge=1)

    # Recently persisted (app_id, event_id) pairs answered as `duplicates`. About
    # 200 bytes each: the default bounds the set near 50 MB.
    dedup_window_seconds: int = Field(900, ge=0)
    dedup_max_entries: int = Field(250_000, ge=0)

    # The durable spool every acknowledged event is fsynced to before the 200.
    # Defaults to <TRACKER_DATA_DIR>/spool; one collector process per directory.
    spool_dir: Path | None = None
    spool_max_bytes: int = Field(1 << 30, ge=1 << 16)
    # A segment is sealed (and becomes one ClickHouse insert) when the loader is idle
    # and its first event is this old, or when it reaches the size below.
    flush_interval_ms: int = Field(100, ge=1)
    segment_max_bytes: int = Field(16 << 20, ge=1 << 12)
    # Seconds a client is told to wait when the spool is full (503).
    spool_full_retry_after_seconds: int = Field(5, ge=1)

    # The loader's ClickHouse calls; a failed insert is retried with backoff up to this.
    insert_timeout_seconds: float = Field(60, gt=0)
    retry_max_backoff_seconds: float = Field(5, gt=0)
    # On SIGTERM the loader gets this long to load what is spooled; the rest waits
    # in the spool for the next start.
    shutdown_drain_seconds: float = Field(5, ge=0)

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"

    @model_validator(mode="after")
    def _burst_holds_a_batch(self) -> IngestSettings:
        if self.rate_limit_events_per_second > 0 and self.rate_limit_burst_events < self.max_events_per_batch:
            raise ValueError(
                "TRACKER_INGEST_RATE_LIMIT_BURST_EVENTS must be at least TRACKER_INGEST_MAX_EVENTS_PER_BATCH, "
                "or a full batch could never pass"
            )
        return self

    def resolved_spool_dir(self) -> Path:
        return self.spool_dir or core_settings().data_dir / "spool"
