"""What a ClickHouse HTTP request asks for, read from its URL, headers and form fields."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from saas_tracker.warehouse.errors import ClickHouseError, bad_arguments

# URL parameters the HTTP layer consumes itself; everything else is a query-level setting.
TRANSPORT_PARAMS = frozenset(
    {
        "query",
        "database",
        "default_format",
        "query_id",
        "session_id",
        "session_timeout",
        "session_check",
        "compress",
        "decompress",
        "user",
        "password",
        "quota_key",
        "buffer_size",
        "wait_end_of_query",
        "client_protocol_version",
        "role",
        "stacktrace",
        "enable_http_compression",
        "send_progress_in_http_headers",
        "http_headers_progress_interval_ms",
        "add_http_cors_header",
        "http_response_buffer_size",
        "http_wait_end_of_query",
        "max_result_bytes",
        "max_result_rows",
    }
)
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_SESSION_TIMEOUT = 3600


@dataclass
class ExternalTable:
    """A file sent with the query (ClickHouse "external data"), visible as a temporary table."""

    name: str
    structure: str
    format: str
    data: bytes


@dataclass
class QueryRequest:
    method: str
    query_param: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    database: str | None = None
    default_format: str | None = None
    query_id: str = ""
    session_id: str | None = None
    session_timeout: int = 60
    session_check: bool = False
    wait_end_of_query: bool = False
    user: str = "default"
    password: str = ""
    content_encoding: str | None = None
    content_type: str = ""
    external: list[ExternalTable] = field(default_factory=list)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")


def parse_request(method: str, query_string: bytes, headers: dict[str, str], default_timeout: int) -> QueryRequest:
    args = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    request = QueryRequest(method=method)
    request.query_param = args.get("query")
    request.database = args.get("database") or headers.get("x-clickhouse-database") or None
    request.default_format = args.get("default_format") or headers.get("x-clickhouse-format") or None
    request.query_id = args.get("query_id") or str(uuid.uuid4())
    request.session_id = args.get("session_id") or None
    request.session_check = _flag(args.get("session_check"))
    request.wait_end_of_query = _flag(args.get("wait_end_of_query"))
    request.content_encoding = headers.get("content-encoding")
    request.content_type = headers.get("content-type", "")
    if _flag(args.get("decompress")):
        raise bad_arguments(
            "decompress=1 (ClickHouse's native block compression) is not supported; use Content-Encoding"
        )
    timeout = args.get("session_timeout")
    if timeout:
        if not timeout.isdigit() or int(timeout) > _MAX_SESSION_TIMEOUT:
            raise ClickHouseError(
                5, "INVALID_SESSION_TIMEOUT", f"Invalid session timeout: '{timeout}', max is {_MAX_SESSION_TIMEOUT}"
            )
        request.session_timeout = int(timeout)
    else:
        request.session_timeout = default_timeout
    _read_credentials(request, args, headers)
    for name, value in args.items():
        if name.startswith("param_"):
            request.params[name[6:]] = value
        elif name not in TRANSPORT_PARAMS:
            if not _SETTING_NAME.match(name):
                raise ClickHouseError(115, "UNKNOWN_SETTING", f"Unknown setting '{name}'")
            request.settings[name] = value
    return request


def _read_credentials(request: QueryRequest, args: dict[str, str], headers: dict[str, str]) -> None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            raise ClickHouseError(516, "AUTHENTICATION_FAILED", "Malformed Basic authorization header") from None
        request.user, request.password = user or "default", password
    elif "x-clickhouse-user" in headers or "x-clickhouse-key" in headers:
        request.user = headers.get("x-clickhouse-user") or "default"
        request.password = headers.get("x-clickhouse-key", "")
    else:
        request.user = args.get("user") or "default"
        request.password = args.get("password", "")


def apply_form(request: QueryRequest, body: bytes) -> None:
    """Read a multipart/form-data body: ``query`` and ``param_*`` fields, other parts are external tables."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + request.content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise bad_arguments("multipart/form-data body without parts")
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if not name:
            continue
        if part.get_filename() is None and (name == "query" or name.startswith("param_")):
            text = payload.decode()
            if name == "query":
                request.query_param = text
            else:
                request.params[name[6:]] = text
            continue
        # <table>_structure / _types / _format describe the file, they are not settings.
        structure = request.settings.pop(f"{name}_structure", None)
        types = request.settings.pop(f"{name}_types", None)
        if structure is None and types is not None:
            structure = ", ".join(f"_{i + 1} {t.strip()}" for i, t in enumerate(types.split(",")))
        if structure is None:
            raise bad_arguments(f"Neither structure nor types have not been provided for external table {name}")
        fmt = request.settings.pop(f"{name}_format", "TabSeparated")
        request.external.append(ExternalTable(name, structure, fmt, payload))
