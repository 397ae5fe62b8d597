"""Segment files created and sealed beside the commit path, not on it.

Creating a segment (open, then fsync the directory so the file survives a
power loss before anything in it is acknowledged) and sealing one (close,
rename to ``.seg``, fsync the directory) each took 5-20 ms here while
ClickHouse wrote parts. Done by the writer thread, they held up the commit
queued behind them; at 300 single-event requests a second, with a segment
every 100 ms, that was about one request in a hundred: the p99. This thread
keeps the next segment created and seals full ones, in order; the writer only
swaps file descriptors.

Sequence numbers are handed out under one lock, so segments are always
created, sealed and loaded in the order of their data.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest_api.spool.segments import OPEN_SUFFIX, SPARE_SUFFIX, fsync_dir, segment_path

log = logging.getLogger("ingest_api.spool")


@dataclass
class OpenSegment:
    seq: int
    path: Path
    fd: int
    size: int = 0
    first_at: float = 0.0


class SegmentFiles:
    def __init__(self, directory: Path, *, next_seq: int, on_seal: Callable[[Path], None]) -> None:
        self.directory = directory
        self._on_seal = on_seal
        self._cond = threading.Condition()
        self._seq = next_seq
        self._spare: OpenSegment | None = None
        self._making = False  # a spare is being created
        self._to_seal: deque[OpenSegment] = deque()
        self._sealing = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="spool-files", daemon=True)

    def start(self) -> None:
        self._thread.start()

    # --- the writer thread's side ---------------------------------------------

    def take(self) -> OpenSegment:
        """A new open segment for the writer: the spare when ready, else made now (raises OSError)."""
        with self._cond:
            while self._making:  # at most one creation, and only when segments roll back to back
                self._cond.wait()
            segment, self._spare = self._spare, None
            if segment is None:
                seq, self._seq = self._seq, self._seq + 1
            self._cond.notify_all()  # make the next spare
        if segment is None:
            return self._create(seq, segment_path(self.directory, seq, sealed=False))
        # Only a name: the file's entry is already durable, and recovery reads both names.
        opened = segment.path.with_suffix(OPEN_SUFFIX)
        try:
            os.rename(segment.path, opened)
            segment.path = opened
        except OSError:
            pass  # written under the spare's name: sealed and recovered all the same
        return segment

    def seal(self, segment: OpenSegment) -> None:
        """Seal ``segment`` (and hand it to the loader) in the background, after those before it."""
        with self._cond:
            self._to_seal.append(segment)
            self._cond.notify_all()

    def close(self) -> None:
        """Seal what was handed over, remove the unused spare, stop the thread (shutdown)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join()
        else:
            self._seal_pending()
        spare, self._spare = self._spare, None
        if spare is not None:
            try:
                os.close(spare.fd)
                spare.path.unlink(missing_ok=True)
            except OSError:
                pass  # an empty .open file is removed at the next start

    # --- the files thread -----------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._to_seal and (self._spare is not None or self._making):
                    self._cond.wait()
                if self._to_seal:
                    make = None
                elif self._stopping:
                    return
                else:
                    make, self._seq = self._seq, self._seq + 1
                    self._making = True
            if make is None:
                self._seal_pending()
                continue
            try:
                spare = self._create(make, segment_path(self.directory, make, sealed=False).with_suffix(SPARE_SUFFIX))
            except Exception as exc:  # noqa: BLE001 - never leave the writer waiting on `_making`
                log.error("cannot create a spool segment", extra={"error": str(exc), "dir": str(self.directory)})
                spare = None
            with self._cond:
                self._spare, self._making = spare, False
                self._cond.notify_all()
            if spare is None:
                with self._cond:  # the writer creates its own; retry after its next roll
                    self._cond.wait(1.0)

    def _seal_pending(self) -> None:
        while True:
            with self._cond:
                if not self._to_seal:
                    return
                segment = self._to_seal[0]
            self._seal(segment)
            with self._cond:
                self._to_seal.popleft()

    def _create(self, seq: int, path: Path) -> OpenSegment:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            fsync_dir(self.directory)
        except OSError:
            os.close(fd)
            raise
        return OpenSegment(seq=seq, path=path, fd=fd)

    def _seal(self, segment: OpenSegment) -> None:
        try:
            os.close(segment.fd)
            if segment.size == 0:
                segment.path.unlink(missing_ok=True)
                return
            sealed = segment_path(self.directory, segment.seq, sealed=True)
            os.rename(segment.path, sealed)
            fsync_dir(self.directory)
        except OSError as exc:
            # The data is fsynced under the .open name; the next start seals and loads it.
            log.error("spool seal failed", extra={"error": str(exc), "segment": segment.path.name})
            return
        self._on_seal(sealed)
