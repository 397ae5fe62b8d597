"""Loads sealed spool segments into ClickHouse, oldest first, one insert per table.

Each insert carries ``insert_deduplication_token`` = SHA-256 of the table code and
the rows, which a sealed segment never changes: if the collector dies after
ClickHouse stored a segment but before the file was deleted, the repeated
insert at the next start is dropped by ClickHouse (the events table keeps a
window of 10,000 tokens) and no row is doubled.

A failed insert is retried from the same segment with exponential backoff and
jitter; nothing behind it is loaded first, so segments reach ClickHouse in order.
"""

from __future__ import annotations

import hashlib
import logging
import random
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from ingest_api.metrics import IngestMetrics
from ingest_api.spool.segments import decode, fsync_dir
from ingest_api.spool.writer import SpoolAccounting
from ingest_api.tables import TABLES

log = logging.getLogger("ingest_api.spool")

# insert(table code, JSONCompactEachRow rows, deduplication token); raises on failure.
InsertFn = Callable[[int, bytes, str], None]


def dedup_token(table: int, payload: bytes) -> str:
    digest = hashlib.sha256(bytes([table]))
    digest.update(payload)
    return "spool-" + digest.hexdigest()


class SpoolLoader:
    def __init__(
        self,
        directory: Path,
        segments: list[Path],
        *,
        insert: InsertFn,
        accounting: SpoolAccounting,
        metrics: IngestMetrics,
        max_backoff: float,
        on_idle: Callable[[], None] = lambda: None,
    ) -> None:
        self.directory = directory
        self._insert = insert
        self._accounting = accounting
        self._metrics = metrics
        self._max_backoff = max_backoff
        self._on_idle = on_idle
        self._cond = threading.Condition()
        self._pending: deque[tuple[Path, float]] = deque((p, time.monotonic()) for p in segments)
        self._busy = False
        self._stopping = False
        self._drain_deadline: float | None = None
        self._failures = 0
        self._thread = threading.Thread(target=self._run, name="spool-loader", daemon=True)

    # --- shared state ------------------------------------------------------

    def idle(self) -> bool:
        return not self._pending and not self._busy

    def enqueue(self, path: Path) -> None:
        with self._cond:
            self._pending.append((path, time.monotonic()))
            self._cond.notify()

    def backlog(self) -> tuple[int, float | None]:
        """(sealed segments waiting, age in seconds of the oldest)."""
        pending = self._pending
        oldest = pending[0][1] if pending else None
        return len(pending), (time.monotonic() - oldest if oldest is not None else None)

    @property
    def failing(self) -> bool:
        return self._failures > 0

    # --- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, drain_seconds: float) -> bool:
        """Load what is queued for up to ``drain_seconds``; True if nothing is left."""
        with self._cond:
            self._drain_deadline = time.monotonic() + drain_seconds
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(drain_seconds + 1.0)
        return not self._pending

    def wait_idle(self, timeout: float) -> bool:
        """Block until every sealed segment is loaded (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.idle():
                return True
            time.sleep(0.01)
        return self.idle()

    # --- the loader thread -------------------------------------------------

    def _past_deadline(self) -> bool:
        return self._stopping and (self._drain_deadline is None or time.monotonic() >= self._drain_deadline)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._busy = False
                    self._cond.release()
                    try:
                        self._on_idle()
                    finally:
                        self._cond.acquire()
                    if not self._pending and not self._stopping:
                        self._cond.wait()
                if not self._pending or self._past_deadline():
                    return
                self._busy = True
                path, _ = self._pending[0]
            if self._load(path):
                with self._cond:
                    self._pending.popleft()
                self._failures = 0
                self._metrics.clickhouse_up.set(1)
            else:
                self._failures += 1
                self._metrics.clickhouse_up.set(0)
                self._sleep_backoff()

    def _sleep_backoff(self) -> None:
        delay = min(self._max_backoff, 0.1 * 2 ** min(self._failures - 1, 10))
        delay *= random.uniform(0.5, 1.0)
        with self._cond:
            end = time.monotonic() + delay
            while not self._past_deadline() and (remaining := end - time.monotonic()) > 0:
                self._cond.wait(remaining)

    def _load(self, path: Path) -> bool:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return True
        except OSError as exc:
            log.error("cannot read spool segment", extra={"segment": path.name, "error": str(exc)})
            return False
        records, valid = decode(data)
        by_table: dict[int, list[bytes]] = {}
        rows: dict[int, int] = {}
        for record in records:
            by_table.setdefault(record.table, []).append(record.payload)
            rows[record.table] = rows.get(record.table, 0) + record.rows
        for table in TABLES:
            if table not in by_table:
                continue
            payload = b"\n".join(by_table[table])
            started = time.perf_counter()
            try:
                self._insert(table, payload, dedup_token(table, payload))
            except Exception as exc:  # noqa: BLE001 - any failure leaves the segment for a retry
                self._metrics.load_errors.inc()
                level = logging.WARNING if self._failures == 0 else logging.DEBUG
                log.log(
                    level,
                    "ClickHouse insert failed; the segment stays in the spool and is retried",
                    extra={"segment": path.name, "error": f"{type(exc).__name__}: {exc}"[:500]},
                )
                return False
            self._metrics.load_seconds.observe(time.perf_counter() - started)
            self._metrics.load_rows.observe(rows[table])
            self._metrics.loaded_rows.labels(TABLES[table][0]).inc(rows[table])
        if self._failures:
            log.info("ClickHouse insert succeeded again; loading the spool", extra={"segment": path.name})
        if valid < len(data):
            self._keep_corrupt(path, len(data) - valid)
        else:
            path.unlink(missing_ok=True)
            fsync_dir(self.directory)
        self._accounting.add(-len(data))
        return True

    def _keep_corrupt(self, path: Path, bad_bytes: int) -> None:
        """A sealed segment changed on disk after it was fsynced: keep it for an operator."""
        corrupt = self.directory / "corrupt"
        corrupt.mkdir(exist_ok=True)
        shutil.move(str(path), corrupt / path.name)
        log.error(
            "spool segment has a corrupt tail; its valid records were loaded and the file kept",
            extra={"segment": path.name, "bad_bytes": bad_bytes, "kept_in": str(corrupt)},
        )
