"""The durable spool: every acknowledged event is fsynced here, then loaded into ClickHouse.

``Spool`` ties the pieces together: a directory lock (one collector per spool),
crash recovery, the group-commit writer and the loader. See README.md in
ingest_api/ for why every event goes through the spool, not only when
ClickHouse is down.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from pathlib import Path

from ingest_api.metrics import IngestMetrics
from ingest_api.spool.loader import InsertFn, SpoolLoader, dedup_token
from ingest_api.spool.segments import SEALED_SUFFIX, list_segments, recover_open_segments, segment_seq
from ingest_api.spool.writer import SpoolAccounting, SpoolError, SpoolFull, SpoolWriter

__all__ = ["Spool", "SpoolError", "SpoolFull", "dedup_token"]

log = logging.getLogger("ingest_api.spool")


class SpoolLocked(RuntimeError):
    """Another collector process owns this spool directory."""


class Spool:
    def __init__(
        self,
        directory: Path,
        *,
        insert: InsertFn,
        metrics: IngestMetrics,
        max_bytes: int,
        segment_max_bytes: int,
        flush_interval: float,
        max_backoff: float,
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._metrics = metrics
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock(directory)
        for path, dropped in recover_open_segments(directory):
            log.warning(
                "recovered a spool segment left open by a crash",
                extra={"segment": path.name, "torn_tail_bytes": dropped},
            )
        sealed = list_segments(directory, SEALED_SUFFIX)
        self.accounting = SpoolAccounting(used=sum(p.stat().st_size for p in sealed))
        if sealed:
            log.info("spool has segments to load", extra={"segments": len(sealed), "bytes": self.accounting.used})
        next_seq = max((segment_seq(p) for p in sealed), default=0) + 1
        self.loader = SpoolLoader(
            directory,
            sealed,
            insert=insert,
            accounting=self.accounting,
            metrics=metrics,
            max_backoff=max_backoff,
            on_idle=lambda: self.writer.poke(),
        )
        self.writer = SpoolWriter(
            directory,
            next_seq=next_seq,
            accounting=self.accounting,
            max_bytes=max_bytes,
            segment_max_bytes=segment_max_bytes,
            flush_interval=flush_interval,
            loader_idle=self.loader.idle,
            on_seal=self.loader.enqueue,
            metrics=metrics,
        )
        metrics.spool_bytes.set_function(lambda: self.accounting.used)
        metrics.spool_segments.set_function(self._segments)
        metrics.spool_oldest_seconds.set_function(lambda: self.oldest_age() or 0.0)

    async def append(self, records: list[tuple[int, int, bytes]]) -> None:
        """Return once the (table, rows, payload) records are fsynced (see SpoolWriter.append)."""
        await self.writer.append(records)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.writer.start(loop)
        self.loader.start()

    async def close(self, drain_seconds: float) -> bool:
        """Persist and seal what was accepted, then load for up to ``drain_seconds``.

        Returns True when the spool is empty; what is left is loaded at the next start.
        """
        await asyncio.to_thread(self.writer.close)
        drained = await asyncio.to_thread(self.loader.stop, drain_seconds)
        os.close(self._lock_fd)
        return drained

    def _segments(self) -> int:
        waiting, _ = self.loader.backlog()
        return waiting + (1 if self.writer.open_segment_age is not None else 0)

    def oldest_age(self) -> float | None:
        _, oldest = self.loader.backlog()
        return oldest if oldest is not None else self.writer.open_segment_age

    def full(self) -> bool:
        return self.accounting.used >= self.max_bytes

    def writable(self) -> bool:
        return not self.full() and os.access(self.directory, os.W_OK)


def _lock(directory: Path) -> int:
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SpoolLocked(
            f"another collector is using the spool {directory}; give each process its own TRACKER_INGEST_SPOOL_DIR"
        ) from None
    return fd
