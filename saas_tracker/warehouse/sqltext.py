"""Just enough SQL lexing to split an HTTP request the way ClickHouse does.

ClickHouse's HTTP handler treats ``INSERT ... FORMAT X`` (or ``VALUES``) as a
statement head followed by raw data: the rest of the query text, then the
request body. chDB rejects large binary data inside SQL text (about 256 KB),
so the data is spooled to a file and inserted with ``FROM INFILE`` instead;
this module finds where the head ends without being fooled by strings,
quoted identifiers or comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_AFTER_FORMAT = re.compile(r"\s*(?:SETTINGS\b.*)?;?\s*$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class InsertHead:
    """``head`` is the statement without its data; ``data`` is where the data starts."""

    head: str
    format: str
    data_offset: int


def _skip_quoted(sql: str, i: int) -> int:
    quote = sql[i]
    i += 1
    while i < len(sql):
        c = sql[i]
        if c == "\\":
            i += 2
            continue
        if c == quote:
            if i + 1 < len(sql) and sql[i + 1] == quote:  # doubled quote escapes itself
                i += 2
                continue
            return i + 1
        i += 1
    return i


def _skip_comment(sql: str, i: int) -> int:
    if sql.startswith("--", i) or sql.startswith("#", i):
        end = sql.find("\n", i)
        return len(sql) if end < 0 else end + 1
    end = sql.find("*/", i + 2)
    return len(sql) if end < 0 else end + 2


def tokens(sql: str, start: int = 0):
    """Yield (word_upper, start, end, depth) for identifiers/keywords outside quotes and comments."""
    i, depth, n = start, 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`":
            i = _skip_quoted(sql, i)
        elif sql.startswith("--", i) or c == "#" or sql.startswith("/*", i):
            i = _skip_comment(sql, i)
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        elif c.isalpha() or c == "_":
            match = _WORD.match(sql, i)
            yield match.group(0).upper(), i, match.end(), depth
            i = match.end()
        else:
            i += 1


def _data_start(sql: str, i: int) -> int:
    """ClickHouse: data starts after the first newline, if any, else after all whitespace."""
    n = len(sql)
    while i < n and sql[i] in " \t\r":
        i += 1
    if i < n and sql[i] == "\n":
        return i + 1
    while i < n and sql[i].isspace():
        i += 1
    return i


def parse_insert(sql: str) -> InsertHead | None:
    """Split ``INSERT ... FORMAT X <data>`` / ``INSERT ... VALUES <data>``; None for other statements."""
    stream = tokens(sql)
    first = next(stream, None)
    if first is None or first[0] != "INSERT":
        return None
    for word, start, end, depth in stream:
        if depth != 0:
            continue
        if word in ("SELECT", "WITH"):
            return None
        if word == "VALUES":
            return InsertHead(sql[:start].rstrip(), "Values", end)
        if word == "FORMAT":
            name = next(stream, None)
            if name is None:
                return None
            return InsertHead(sql[:start].rstrip(), sql[name[1] : name[2]], _data_start(sql, name[2]))
    return None


def first_keyword(sql: str) -> str:
    word = next(tokens(sql), None)
    return word[0] if word else ""


def trailing_format(sql: str) -> str | None:
    """The output format named by a top-level ``FORMAT X`` clause ending the query, if any."""
    found = None
    previous = None
    for word, start, end, depth in tokens(sql):
        if previous is not None and previous[0] == "FORMAT" and previous[3] == 0 and depth == 0:
            if _AFTER_FORMAT.fullmatch(sql, end):
                found = sql[start:end]
        previous = (word, start, end, depth)
    return found


def insert_from_file(head: InsertHead, path: str) -> str:
    """``INSERT ... FROM INFILE 'path' [SETTINGS ...] FORMAT X`` for a head and a file holding its data."""
    settings_at = None
    for word, start, _end, depth in tokens(head.head):
        if word == "SETTINGS" and depth == 0:
            settings_at = start
            break
    target = head.head if settings_at is None else head.head[:settings_at].rstrip()
    settings = "" if settings_at is None else " " + head.head[settings_at:]
    quoted = "'" + path.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return f"{target} FROM INFILE {quoted}{settings} FORMAT {head.format}"
