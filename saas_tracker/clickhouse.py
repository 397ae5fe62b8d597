"""The one place that creates ClickHouse clients.

Clients are shared per (settings, database): clickhouse-connect clients are
thread-safe only without a session id, so shared clients never carry one.
Code that needs session state (temporary tables, ``SET``) asks for a private
client with ``session=True`` and closes it itself.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import clickhouse_connect
from clickhouse_connect.driver.asyncclient import AsyncClient
from clickhouse_connect.driver.client import Client

from saas_tracker.settings import CoreSettings, core_settings

_lock = threading.Lock()
_shared: dict[tuple, Client] = {}


def _connect_args(settings: CoreSettings, database: str | None, session: bool) -> dict[str, Any]:
    args: dict[str, Any] = {
        "host": settings.clickhouse_host,
        "port": settings.clickhouse_port,
        "secure": settings.clickhouse_secure,
        "username": settings.clickhouse_user,
        "password": settings.clickhouse_password.get_secret_value(),
        "database": database or "",
        "autogenerate_session_id": False,
        "connect_timeout": 10,
        "send_receive_timeout": 300,
        "compress": False,  # loopback or a private network: CPU matters more than bytes
    }
    if session:
        args["session_id"] = f"tracker-{uuid.uuid4()}"
    return args


def get_client(
    database: str | None = None,
    *,
    settings: CoreSettings | None = None,
    session: bool = False,
    **overrides: Any,
) -> Client:
    """A synchronous client; shared unless ``session`` or overrides are given."""
    settings = settings or core_settings()
    args = _connect_args(settings, database, session) | overrides
    if session or overrides:
        return clickhouse_connect.get_client(**args)
    key = (settings.clickhouse_url, settings.clickhouse_user, database)
    with _lock:
        client = _shared.get(key)
        if client is None:
            client = _shared[key] = clickhouse_connect.get_client(**args)
        return client


async def get_async_client(
    database: str | None = None,
    *,
    settings: CoreSettings | None = None,
    **overrides: Any,
) -> AsyncClient:
    """An asyncio client without a session id (safe to share within one event loop)."""
    settings = settings or core_settings()
    args = _connect_args(settings, database, session=False) | overrides
    return await clickhouse_connect.get_async_client(**args)


def close_shared_clients() -> None:
    """Close every shared client (tests and process shutdown)."""
    with _lock:
        for client in _shared.values():
            client.close()
        _shared.clear()
