"""Helpers shared by the `admin` and `features` command groups.

Every command that creates or changes something accepts ``--json`` and then
prints exactly one JSON object (errors too: ``{"error": {...}}`` with exit
status 1), so scripts and the demo can read it.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import re
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
from clickhouse_connect.driver.exceptions import Error as ClickHouseError
from clickhouse_connect.driver.exceptions import OperationalError
from pydantic import BaseModel

from saas_tracker.control.errors import ControlPlaneError

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def default_actor() -> str:
    """Who the audit log names: TRACKER_ACTOR, else the operating-system user."""
    explicit = os.environ.get("TRACKER_ACTOR", "").strip()
    if explicit:
        return explicit
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


def actor_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--actor",
        default=None,
        metavar="NAME",
        help="Name recorded in the audit log (default: $TRACKER_ACTOR or cli:<user>).",
    )(command)


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")(command)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return json.loads(json.dumps(value, default=str))


def emit(as_json: bool, payload: dict[str, Any], lines: list[str] | str) -> None:
    if as_json:
        click.echo(json.dumps(to_jsonable(payload), sort_keys=True))
    else:
        click.echo(lines if isinstance(lines, str) else "\n".join(lines))


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Print a refusal (as JSON with --json) and exit 1 instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ControlPlaneError as error:
            _fail(error.to_dict(), bool(kwargs.get("as_json")))
        except ClickHouseError as error:
            text = str(error)
            if isinstance(error, OperationalError):
                from saas_tracker.settings import core_settings

                message = (
                    f"cannot reach ClickHouse at {core_settings().clickhouse_url}: start it with "
                    "`saas-tracker warehouse start` or set TRACKER_CLICKHOUSE_URL"
                )
            elif "UNKNOWN_TABLE" in text or "UNKNOWN_DATABASE" in text:
                message = "the control-plane tables do not exist: run `saas-tracker migrate` first"
            else:
                message = f"ClickHouse request failed: {text.splitlines()[0][:300]}"
            _fail({"code": "warehouse_error", "message": message, "field": None}, bool(kwargs.get("as_json")))

    return wrapper


def _fail(error: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"error": error}, sort_keys=True))
    else:
        click.echo(f"Error: {error['message']}", err=True)
    sys.exit(1)


def parse_duration(value: str, option: str) -> timedelta:
    match = _DURATION.match(value or "")
    if match is None:
        raise click.BadParameter(f"{value!r} is not a duration like 0, 90s, 30m, 24h or 7d", param_hint=option)
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def table(rows: list[list[Any]], header: list[str]) -> str:
    if not rows:
        return "(none)"
    cells = [header] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells)
