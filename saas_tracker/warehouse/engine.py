"""The chDB engine of one data directory, with ClickHouse-style HTTP sessions.

chDB hosts one engine per process; any number of connections to it may be
open, each with its own ``SET``/``USE``/temporary-table state, and queries on
different connections run in parallel. That maps onto ClickHouse's HTTP
semantics directly:

* a request without ``session_id`` gets a fresh connection (about 0.1 ms), so
  its URL settings and ``database`` cannot leak into any other request;
* a request with ``session_id`` uses that session's connection; its URL
  settings apply to that one query and are restored afterwards, as on a real
  server, while ``SET``/``USE``/temporary tables persist for the session.

All methods here block; the HTTP layer calls them from worker threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from chdb import _chdb

from saas_tracker.warehouse.errors import ClickHouseError


def quote_identifier(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def quote_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except ClickHouseError:
        raise
    except Exception as error:  # chDB raises RuntimeError with ClickHouse's own message
        raise ClickHouseError.from_engine(error) from None


@dataclass
class Session:
    session_id: str
    connection: object
    timeout: int
    last_used: float = field(default_factory=time.monotonic)
    busy: bool = False


class Engine:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        # Keeps the engine alive between requests: chDB shuts the engine down
        # when its last connection closes, and reopening costs seconds.
        self._anchor = _chdb.connect(str(data_dir))
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.version, self.timezone = (
            self._anchor.query("SELECT version(), timezone()", "TSV").bytes().decode().strip().split("\t")
        )

    # -- connections -------------------------------------------------------

    def connect(self):
        return _call(_chdb.connect, str(self.data_dir))

    @contextmanager
    def connection(self, session_id: str | None, timeout: int, check: bool) -> Iterator[object]:
        """A connection for one query: fresh, or the session's (locked for the query's duration)."""
        if session_id is None:
            connection = self.connect()
            try:
                yield connection
            finally:
                connection.close()
            return
        session = self._acquire_session(session_id, timeout, check)
        try:
            yield session.connection
        finally:
            with self._lock:
                session.busy = False
                session.last_used = time.monotonic()

    def _acquire_session(self, session_id: str, timeout: int, check: bool) -> Session:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                if check:
                    raise ClickHouseError(372, "SESSION_NOT_FOUND", f"Session {session_id} not found")
                session = self._sessions[session_id] = Session(session_id, self.connect(), timeout)
            elif session.busy:
                raise ClickHouseError(
                    373, "SESSION_IS_LOCKED", f"Session {session_id} is locked by a concurrent client"
                )
            session.busy = True
            session.timeout = timeout
            return session

    def expire_sessions(self) -> int:
        """Close sessions idle for longer than their timeout; returns how many."""
        now = time.monotonic()
        with self._lock:
            expired = [s for s in self._sessions.values() if not s.busy and now - s.last_used > s.timeout]
            for session in expired:
                del self._sessions[session.session_id]
        for session in expired:
            session.connection.close()
        return len(expired)

    def close(self) -> None:
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        for session in sessions:
            session.connection.close()
        self._anchor.close()

    # -- per-query context ---------------------------------------------------

    @contextmanager
    def query_context(self, connection, settings: dict[str, str], database: str | None, in_session: bool):
        """Apply URL settings and ``database`` to one query; undo them afterwards in a session."""
        restore: list[str] = []
        if in_session and settings:
            rows = _call(
                connection.query,
                "SELECT name, value, changed FROM system.settings WHERE name IN {names:Array(String)}",
                "TSVRaw",
                params={"names": "[" + ",".join(quote_literal(n) for n in settings) + "]"},
            )
            current = {}
            for line in rows.bytes().decode().splitlines():
                name, value, changed = line.split("\t")
                current[name] = (value, changed == "1")
            settings = {k: v for k, v in settings.items() if k not in current or current[k][0] != v}
            for name in settings:
                if name in current:
                    value, changed = current[name]
                    restore.append(f"{name} = {quote_literal(value)}" if changed else f"{name} = DEFAULT")
        if settings:
            assignments = ", ".join(f"{name} = {quote_literal(value)}" for name, value in settings.items())
            _call(connection.query, f"SET {assignments}", "TSV")
        previous_database = None
        if database:
            if in_session:
                previous_database = (
                    _call(connection.query, "SELECT currentDatabase()", "TSVRaw").bytes().decode().strip()
                )
            _call(connection.query, f"USE {quote_identifier(database)}", "TSV")
        try:
            yield
        finally:
            if restore:
                _call(connection.query, "SET " + ", ".join(restore), "TSV")
            if previous_database is not None and previous_database != database:
                _call(connection.query, f"USE {quote_identifier(previous_database)}", "TSV")
