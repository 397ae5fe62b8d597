"""ClickHouse exceptions as ClickHouse's HTTP interface reports them.

Clients (clickhouse-connect, dbt-clickhouse) read the code from the
``X-ClickHouse-Exception-Code`` header and the name from the body's trailing
``(NAME)``, so both must match what a real server sends.
"""

from __future__ import annotations

import re

_MESSAGE = re.compile(r"Code: (\d+)\. (?:DB::Exception: )?(.*)", re.DOTALL)
_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)\s*$")

# ClickHouse's exceptionCodeToHTTPStatus, restricted to codes a client may meet here.
_HTTP_STATUS = {
    401: {192, 193, 194, 516},  # UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED
    403: {164, 497},  # READONLY, ACCESS_DENIED
    400: {
        6,
        25,
        26,
        27,
        32,
        33,
        34,
        36,
        38,
        42,
        43,
        44,
        46,
        47,
        53,
        62,
        69,
        70,
        72,
        73,
        74,
        117,
        130,
        131,
        115,
        137,
        147,
        153,
        171,
        184,
        190,
        215,
        386,
        457,
        475,
        1001,
    },
    404: {60, 81, 16, 372},  # UNKNOWN_TABLE, UNKNOWN_DATABASE, NO_SUCH_COLUMN_IN_TABLE, SESSION_NOT_FOUND
    411: {100},  # UNKNOWN_PACKET_FROM_CLIENT (no body)
    413: {1004},
    423: {373},  # SESSION_IS_LOCKED
    503: {202, 203},  # TOO_MANY_SIMULTANEOUS_QUERIES, NO_FREE_CONNECTION
}
_STATUS_BY_CODE = {code: status for status, codes in _HTTP_STATUS.items() for code in codes}


class ClickHouseError(Exception):
    """An error with a ClickHouse code and name, rendered like the real server."""

    def __init__(self, code: int, name: str, message: str):
        super().__init__(message)
        self.code = code
        self.name = name
        self.message = message

    @classmethod
    def from_engine(cls, error: BaseException) -> ClickHouseError:
        """Wrap an error raised by chDB (whose text is already ``Code: N. DB::Exception: ...``)."""
        if isinstance(error, ClickHouseError):
            return error
        text = str(error)
        start = text.find("Code: ")
        match = _MESSAGE.match(text[start:]) if start >= 0 else None
        if not match:
            return cls(1001, "STD_EXCEPTION", text.strip() or type(error).__name__)
        body = match.group(2).strip()
        name_match = _NAME.search(body)
        name = name_match.group(1) if name_match else "UNKNOWN_EXCEPTION"
        if name_match:
            body = body[: name_match.start()].rstrip().rstrip(".")
        return cls(int(match.group(1)), name, body)

    @property
    def http_status(self) -> int:
        return _STATUS_BY_CODE.get(self.code, 500)

    def body(self, version: str) -> bytes:
        return f"Code: {self.code}. DB::Exception: {self.message}. ({self.name}) (version {version})\n".encode()


def bad_arguments(message: str) -> ClickHouseError:
    return ClickHouseError(36, "BAD_ARGUMENTS", message)


def unknown_setting(name: str) -> ClickHouseError:
    return ClickHouseError(115, "UNKNOWN_SETTING", f"Unknown setting '{name}'")
