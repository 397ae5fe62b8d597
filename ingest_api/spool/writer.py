"""Group commit: many requests' records, one write and one fdatasync.

Requests await :meth:`SpoolWriter.append`. A writer thread takes everything
queued, appends it to the open segment, calls fdatasync once and wakes every
waiting request with one hop back to the event loop. The thread keeps the loop
answering requests while the disk syncs: fdatasync took 0.2-3.5 ms on this
machine depending on other disk traffic, and a commit on the loop's thread
halved throughput (measured; see ingest_api/README.md).

The open segment is sealed (handed to the loader as one ClickHouse insert) when
the loader is idle and the segment's first record is ``flush_interval`` old, or
when it reaches ``segment_max_bytes``. While ClickHouse is down the loader is
never idle, so segments grow to the size cap instead of piling up as tiny files.
Creating and sealing segment files happens in another thread (files.py), off
the commit path.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest_api.metrics import IngestMetrics
from ingest_api.spool.files import OpenSegment, SegmentFiles
from ingest_api.spool.segments import HEADER, frame

log = logging.getLogger("ingest_api.spool")


class SpoolError(RuntimeError):
    """The spool could not persist a request's events (disk error or shutting down)."""


class SpoolFull(SpoolError):
    """Persisting the request would exceed the spool's size limit."""


@dataclass
class SpoolAccounting:
    """Bytes in the spool (written or being written), shared by the writer and the loader."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    used: int = 0

    def add(self, n: int) -> None:
        with self.lock:
            self.used += n


class SpoolWriter:
    def __init__(
        self,
        directory: Path,
        *,
        next_seq: int,
        accounting: SpoolAccounting,
        max_bytes: int,
        segment_max_bytes: int,
        flush_interval: float,
        loader_idle: Callable[[], bool],
        on_seal: Callable[[Path], None],
        metrics: IngestMetrics,
    ) -> None:
        self.directory = directory
        self._accounting = accounting
        self._max_bytes = max_bytes
        self._segment_max_bytes = segment_max_bytes
        self._flush_interval = flush_interval
        self._loader_idle = loader_idle
        self.files = SegmentFiles(directory, next_seq=next_seq, on_seal=on_seal)
        self._metrics = metrics
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cond = threading.Condition()
        self._queue: list[tuple[list[tuple[int, int, bytes]], asyncio.Future]] = []
        self._open: OpenSegment | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="spool-writer", daemon=True)

    # --- the event loop's side ------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.files.start()
        self._thread.start()

    async def append(self, records: list[tuple[int, int, bytes]]) -> None:
        """Return once the (table, rows, payload) records are fsynced; raise SpoolFull or SpoolError otherwise.

        The records are framed and checksummed by the writer thread: zlib.crc32
        releases the GIL on large buffers, so that work runs beside the event loop.
        """
        size = sum(HEADER.size + len(payload) for _, _, payload in records)
        with self._accounting.lock:
            if self._accounting.used + size > self._max_bytes:
                raise SpoolFull(f"the spool is full ({self._max_bytes} bytes)")
            self._accounting.used += size
        future = self._loop.create_future()
        with self._cond:
            if self._stopping:
                self._accounting.add(-size)
                raise SpoolError("the collector is shutting down")
            self._queue.append((records, future))
            if len(self._queue) == 1:
                self._cond.notify()
        await future

    def poke(self) -> None:
        """The loader became idle: a due segment may be sealed now."""
        with self._cond:
            self._cond.notify()

    def close(self) -> None:
        """Persist everything queued, seal the open segment and stop the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()
        self.files.close()

    @property
    def open_segment_age(self) -> float | None:
        segment = self._open
        return time.monotonic() - segment.first_at if segment is not None and segment.size else None

    # --- the writer thread ----------------------------------------------------

    def _seal_due(self) -> bool:
        segment = self._open
        return (
            segment is not None and time.monotonic() - segment.first_at >= self._flush_interval and self._loader_idle()
        )

    def _wait_timeout(self) -> float | None:
        segment = self._open
        if segment is None:
            return None
        remaining = segment.first_at + self._flush_interval - time.monotonic()
        # Past due while the loader is busy: sleep until it pokes us or data arrives.
        return remaining if remaining > 0 else None

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping and not self._seal_due():
                    self._cond.wait(self._wait_timeout())
                batch, self._queue = self._queue, []
                stopping = self._stopping
            if batch:
                self._write(batch)
            segment = self._open
            if segment is not None and (stopping or segment.size >= self._segment_max_bytes or self._seal_due()):
                self._seal()
            if stopping:
                with self._cond:
                    if not self._queue:
                        return

    def _write(self, batch: list[tuple[list[tuple[int, int, bytes]], asyncio.Future]]) -> None:
        started = time.perf_counter()
        pieces = []
        for records, _ in batch:
            for table, rows, payload in records:
                pieces += (frame(table, rows, payload), payload)
        data = b"".join(pieces)
        error: BaseException | None = None
        segment = self._open
        try:
            if segment is None:
                segment = self._open = self.files.take()
            view = memoryview(data)
            while view:
                view = view[os.write(segment.fd, view) :]
            os.fdatasync(segment.fd)
            if segment.size == 0:
                segment.first_at = time.monotonic()
            segment.size += len(data)
        except OSError as exc:
            error = SpoolError(f"cannot write the spool: {exc.strerror or exc}")
            log.error("spool write failed", extra={"error": str(exc), "dir": str(self.directory)})
            self._accounting.add(-len(data))
            self._abandon_tail()
        self._metrics.commit_seconds.observe(time.perf_counter() - started)
        self._metrics.commit_requests.observe(len(batch))
        try:
            self._loop.call_soon_threadsafe(_settle, [future for _, future in batch], error)
        except RuntimeError:
            pass  # the loop is closed: nobody waits any more

    def _abandon_tail(self) -> None:
        """After a failed write or fsync: cut the unacknowledged tail and seal the rest."""
        segment = self._open
        if segment is None:
            return
        try:
            os.ftruncate(segment.fd, segment.size)
        except OSError:
            pass  # recovery at the next start cuts a torn tail by its checksum
        self._seal()

    def _seal(self) -> None:
        """Hand the open segment to the files thread (files.py): closed, renamed, then loaded."""
        segment, self._open = self._open, None
        if segment is not None:
            self.files.seal(segment)


def _settle(futures: list[asyncio.Future], error: BaseException | None) -> None:
    for future in futures:
        if future.done():
            continue  # the request was cancelled (client gone); its events are stored anyway
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
