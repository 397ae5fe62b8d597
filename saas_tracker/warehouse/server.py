"""ClickHouse's HTTP interface in front of the chDB engine (an ASGI app run by uvicorn).

Faithful to what clickhouse-connect and dbt-clickhouse send: SQL in the body
or the ``query`` parameter, ``INSERT ... FORMAT X`` with a streamed (and
possibly compressed, multi-frame) body, multipart forms with ``param_*``
fields and external tables, sessions, per-query settings, and ClickHouse's
response headers and error format.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from saas_tracker.warehouse.decompress import decoder_for
from saas_tracker.warehouse.engine import Engine, _call, quote_identifier
from saas_tracker.warehouse.errors import ClickHouseError
from saas_tracker.warehouse.request import QueryRequest, apply_form, parse_request
from saas_tracker.warehouse.sqltext import InsertHead, first_keyword, insert_from_file, parse_insert, trailing_format

log = logging.getLogger("saas_tracker.warehouse")

# Output formats whose per-block encodings concatenate into one valid stream.
STREAMABLE_FORMATS = frozenset(
    {
        "Native",
        "TabSeparated",
        "TSV",
        "TabSeparatedRaw",
        "TSVRaw",
        "CSV",
        "RowBinary",
        "JSONEachRow",
        "JSONCompactEachRow",
        "JSONStringsEachRow",
        "LineAsString",
        "Null",
    }
)
_CONTENT_TYPES = {
    "TabSeparated": "text/tab-separated-values; charset=UTF-8",
    "TSV": "text/tab-separated-values; charset=UTF-8",
    "CSV": "text/csv; charset=UTF-8; header=absent",
    "CSVWithNames": "text/csv; charset=UTF-8; header=present",
    "JSON": "application/json; charset=UTF-8",
    "JSONCompact": "application/json; charset=UTF-8",
    "JSONEachRow": "application/x-ndjson; charset=UTF-8",
}
# Insert data is written to the spool file in pieces of about this size: fewer thread hops, bounded memory.
INSERT_CHUNK_BYTES = 1 << 20
# A body without a `query` parameter is read this far to find an INSERT's data.
SQL_PREFIX_BYTES = 1 << 20
READ_ONLY, CONTROL, UNKNOWN = 0, 3, 4


class Body:
    """The request body, decoded (Content-Encoding) chunk by chunk as it arrives."""

    def __init__(self, receive, content_encoding: str | None):
        self._receive = receive
        self._decoder = decoder_for(content_encoding)
        self._done = False

    async def chunks(self):
        while not self._done:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                raise ClickHouseError(210, "NETWORK_ERROR", "Client disconnected before the request body ended")
            data = self._decoder.feed(message.get("body", b""))
            if not message.get("more_body", False):
                self._done = True
                data += self._decoder.finish()
            if data:
                yield data

    async def read(self, limit: int | None = None) -> bytes:
        buffer = bytearray()
        async for chunk in self.chunks():
            buffer += chunk
            if limit is not None and len(buffer) >= limit:
                break
        return bytes(buffer)


class Responder:
    def __init__(self, send, request: QueryRequest | None, timezone: str):
        self._send = send
        self.request = request
        self.timezone = timezone
        self.started = False

    async def start(self, status: int, fmt: str | None, summary: dict, extra: list | None = None):
        headers = [(b"x-clickhouse-summary", json.dumps({k: str(v) for k, v in summary.items()}).encode())]
        if self.request is not None:
            headers.append((b"x-clickhouse-query-id", self.request.query_id.encode()))
            if self.request.session_id:
                headers.append((b"x-clickhouse-session-id", self.request.session_id.encode()))
        headers.append((b"x-clickhouse-timezone", self.timezone.encode()))
        if fmt:
            headers.append((b"x-clickhouse-format", fmt.encode()))
            headers.append((b"content-type", _CONTENT_TYPES.get(fmt, "application/octet-stream").encode()))
        headers.extend(extra or [])
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        self.started = True

    async def body(self, data: bytes, more: bool = False):
        await self._send({"type": "http.response.body", "body": data, "more_body": more})


def _summary(read_rows=0, read_bytes=0, written_rows=0, written_bytes=0, result_rows=0, result_bytes=0, started=None):
    return {
        "read_rows": read_rows,
        "read_bytes": read_bytes,
        "written_rows": written_rows,
        "written_bytes": written_bytes,
        "total_rows_to_read": read_rows,
        "result_rows": result_rows,
        "result_bytes": result_bytes,
        "elapsed_ns": int((time.perf_counter() - started) * 1e9) if started is not None else 0,
    }


class WarehouseApp:
    def __init__(self, engine: Engine, password: str = "", max_workers: int = 64, session_timeout: int = 60):
        self.engine = engine
        self.password = password
        self.session_timeout = session_timeout
        self.pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="chdb")
        self.running: set[str] = set()
        # Insert bodies are spooled here; leftovers are from requests never acknowledged.
        self.incoming = Path(engine.data_dir).parent / "incoming"
        shutil.rmtree(self.incoming, ignore_errors=True)
        self.incoming.mkdir(parents=True, exist_ok=True)
        self._sweeper: asyncio.Task | None = None

    async def _run(self, function, *args, **kwargs):
        call = functools.partial(function, *args, **kwargs) if kwargs else function
        return await asyncio.get_running_loop().run_in_executor(self.pool, call, *([] if kwargs else args))

    # -- ASGI entry points --------------------------------------------------

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._sweeper = asyncio.create_task(self._sweep_sessions())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._sweeper:
                    self._sweeper.cancel()
                self.pool.shutdown(wait=True)
                self.engine.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _sweep_sessions(self):
        while True:
            await asyncio.sleep(5)
            await self._run(self.engine.expire_sessions)

    async def _http(self, scope, receive, send):
        path = scope["path"]
        if path in ("/ping", "/replicas_status"):
            await self._plain(send, 200, b"Ok.\n")
            return
        if path not in ("/", "/query"):
            await self._plain(send, 404, b"There is no handle " + path.encode() + b"\n")
            return
        method = scope["method"]
        if method not in ("GET", "POST", "HEAD"):
            await self._plain(send, 405, b"Only GET and POST are supported\n")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        responder = Responder(send, None, self.engine.timezone)
        try:
            request = parse_request(method, scope["query_string"], headers, self.session_timeout)
            responder.request = request
            self._authenticate(request)
            if method != "POST" and not request.query_param:
                await self._plain(send, 200, b"Ok.\n")
                return
            if request.query_id in self.running:
                raise ClickHouseError(
                    216,
                    "QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING",
                    f"Query with id = {request.query_id} is already running",
                )
            self.running.add(request.query_id)
            try:
                await self._query(request, Body(receive, request.content_encoding), responder)
            finally:
                self.running.discard(request.query_id)
        except ClickHouseError as error:
            await self._error(responder, error)
        except Exception as error:  # an engine fault must still reach the client as a ClickHouse error
            log.exception("unexpected error")
            await self._error(responder, ClickHouseError(1001, "STD_EXCEPTION", f"{type(error).__name__}: {error}"))

    async def _plain(self, send, status: int, body: bytes):
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/plain; charset=UTF-8")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _error(self, responder: Responder, error: ClickHouseError):
        body = error.body(self.engine.version)
        if responder.started:
            # Headers are gone: append the exception and break the stream, so the client
            # sees an error and never a silently shortened result.
            await responder.body(body, more=True)
            raise RuntimeError(f"query failed after the response started: {error.name}")
        extra = [
            (b"x-clickhouse-exception-code", str(error.code).encode()),
            (b"content-type", b"text/plain; charset=UTF-8"),
        ]
        await responder.start(error.http_status, None, _summary(), extra)
        await responder.body(body)

    def _authenticate(self, request: QueryRequest):
        if not self.password:
            return
        if request.user != "default" or not hmac.compare_digest(request.password.encode(), self.password.encode()):
            raise ClickHouseError(
                516,
                "AUTHENTICATION_FAILED",
                f"{request.user}: Authentication failed: password is incorrect, or there is no user with such name",
            )

    # -- queries ------------------------------------------------------------

    async def _query(self, request: QueryRequest, body: Body, responder: Responder):
        sql, head, inline = await self._read_statement(request, body)
        if head is not None:
            if request.method != "POST":
                raise ClickHouseError(164, "READONLY", "Cannot execute query in readonly mode")
            await self._insert(request, head, inline, body, responder)
        elif not sql.strip():
            raise ClickHouseError(62, "SYNTAX_ERROR", "Empty query")
        else:
            await self._select_or_command(request, sql, responder)

    @staticmethod
    async def _read_statement(request: QueryRequest, body: Body) -> tuple[str, InsertHead | None, bytes]:
        """Split the request into SQL and, for ``INSERT ... FORMAT``/``VALUES``, inline data.

        As in ClickHouse, the statement is the ``query`` parameter (or form field)
        followed by the body; an INSERT's data is whatever follows its head.
        """
        if request.content_type.startswith("multipart/form-data"):
            apply_form(request, await body.read())
        if request.query_param is not None:
            sql = request.query_param
            head = parse_insert(sql)
            if head is None and not request.external:
                rest = await body.read()
                if rest:
                    sql = sql + "\n" + rest.decode()
                    head = parse_insert(sql)
            return sql, head, sql[head.data_offset :].encode() if head else b""
        prefix = await body.read(SQL_PREFIX_BYTES)
        # latin-1 maps bytes 1:1, so offsets found in this text are byte offsets.
        text = prefix.decode("latin-1")
        head = parse_insert(text) if first_keyword(text) == "INSERT" else None
        if head is None:
            return (prefix + await body.read()).decode(), None, b""
        head = InsertHead(head.head.encode("latin-1").decode(), head.format, head.data_offset)
        return head.head, head, prefix[head.data_offset :]

    def _open(self, request: QueryRequest) -> tuple[ExitStack, object]:
        stack = ExitStack()
        try:
            in_session = request.session_id is not None
            connection = stack.enter_context(
                self.engine.connection(request.session_id, request.session_timeout, request.session_check)
            )
            stack.enter_context(self.engine.query_context(connection, request.settings, request.database, in_session))
            for table in request.external:
                self._load_external(connection, table, stack)
            return stack, connection
        except BaseException:
            stack.close()
            raise

    @staticmethod
    def _load_external(connection, table, stack: ExitStack):
        name = quote_identifier(table.name)
        _call(connection.query, f"CREATE TEMPORARY TABLE {name} ({table.structure})", "TSV")
        stack.callback(lambda: connection.query(f"DROP TEMPORARY TABLE IF EXISTS {name}", "TSV"))
        inserter = _call(connection.send_insert, f"INSERT INTO {name}", table.format)
        _call(connection.insert_append, inserter, table.data)
        _call(connection.insert_done, inserter)

    async def _insert(self, request, head: InsertHead, inline: bytes, body: Body, responder: Responder):
        """Spool the data to a file, then ``INSERT ... FROM INFILE`` it.

        chDB's streaming insert interface swallows errors raised after parsing
        (CHECK constraints, MATERIALIZED expressions): it reports the rows as
        written and stores none. An INSERT statement reading a file reports them
        like a real server, and the file keeps memory bounded for any body size.
        """
        started = time.perf_counter()
        path = self.incoming / f"{uuid.uuid4().hex}.data"
        spool = await self._run(open, path, "wb")
        try:
            buffer = bytearray(inline)
            async for chunk in body.chunks():
                buffer += chunk
                if len(buffer) >= INSERT_CHUNK_BYTES:
                    await self._run(spool.write, bytes(buffer))
                    buffer.clear()
            await self._run(spool.write, bytes(buffer))
            await self._run(spool.close)
            result = await self._run(self._insert_file, request, insert_from_file(head, str(path)))
        finally:
            spool.close()
            path.unlink(missing_ok=True)
        summary = _summary(written_rows=result.rows_written(), written_bytes=result.bytes_written(), started=started)
        await responder.start(200, None, summary)
        await responder.body(b"")

    def _insert_file(self, request: QueryRequest, sql: str):
        stack, connection = self._open(request)
        with stack:
            return _call(connection.query, sql, "TabSeparated", params=request.params)

    async def _select_or_command(self, request: QueryRequest, sql: str, responder: Responder):
        started = time.perf_counter()
        fmt = trailing_format(sql) or request.default_format or "TabSeparated"
        # One worker-thread hop runs the whole of a small query; only results
        # larger than two blocks come back for more.
        outcome = await self._run(self._execute, request, sql, fmt)
        if isinstance(outcome, _Streaming):
            await self._stream_rest(outcome, fmt, responder, started)
            return
        query_class, result = outcome
        data = result.bytes()
        summary = _summary(
            result.storage_rows_read(),
            result.storage_bytes_read(),
            result.rows_written(),
            result.bytes_written(),
            result.rows_read(),
            len(data),
            started,
        )
        # Only result-producing statements report a format; clients tell commands apart by it.
        await responder.start(200, fmt if query_class == READ_ONLY or data else None, summary)
        await responder.body(data)

    def _execute(self, request: QueryRequest, sql: str, fmt: str):
        """Runs in a worker thread. The connection (and a session's lock) is released
        before the response ends: a client may send its next request the moment it
        has read this one."""
        stack, connection = self._open(request)
        with stack:
            kind = connection.classify_query(sql)
            if kind["statement_count"] > 1:
                raise ClickHouseError(62, "SYNTAX_ERROR", "Syntax error (Multi-statements are not allowed)")
            query_class = int(kind["query_class"])
            if request.method != "POST" and query_class not in (READ_ONLY, CONTROL, UNKNOWN):
                raise ClickHouseError(164, "READONLY", "Cannot execute query in readonly mode")
            output = request.default_format or "TabSeparated"
            # chDB streams SELECTs only; SHOW/EXISTS/DESCRIBE results are small anyway.
            streamable = query_class == READ_ONLY and first_keyword(sql) in ("SELECT", "WITH")
            if not streamable or fmt not in STREAMABLE_FORMATS or request.wait_end_of_query:
                return query_class, _call(connection.query, sql, output, params=request.params)
            stream = _call(connection.send_query, sql, output, params=request.params)
            streaming = _Streaming(connection, stack.pop_all(), stream)
        try:
            streaming.prefetch()
        except BaseException:
            streaming.cancel()
            raise
        return streaming

    async def _stream_rest(self, streaming: _Streaming, fmt: str, responder: Responder, started: float):
        try:
            first = streaming.chunks[0] if streaming.chunks else b""
            rows = streaming.first_rows
            await responder.start(200, fmt, _summary(result_rows=rows, result_bytes=len(first), started=started))
            while streaming.chunks:
                await responder.body(streaming.chunks.pop(0), more=True)
                if not streaming.chunks and not streaming.done:
                    await self._run(streaming.prefetch)
        finally:
            if not streaming.done:
                await self._run(streaming.cancel)
        await responder.body(b"")


class _Streaming:
    """A streaming result, fetched two blocks at a time; closes its connection when exhausted."""

    def __init__(self, connection, stack: ExitStack, stream):
        self.connection = connection
        self.stack = stack
        self.stream = stream
        self.chunks: list[bytes] = []
        self.first_rows = 0
        self.done = False

    def prefetch(self) -> None:
        for _ in range(2):
            chunk = _call(self.connection.streaming_fetch_result, self.stream)
            rows = chunk.rows_read() if chunk is not None else 0
            if not rows:
                self.done = True
                self.stack.close()
                return
            if not self.first_rows:
                self.first_rows = rows
            self.chunks.append(chunk.bytes())

    def cancel(self) -> None:
        self.done = True
        try:
            _cancel_stream(self.connection, self.stream)
        finally:
            self.stack.close()


def _cancel_stream(connection, stream):
    try:
        connection.streaming_cancel_query(stream)
    except Exception:
        pass
