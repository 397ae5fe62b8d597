"""Run the embedded ClickHouse endpoint in the foreground."""

from __future__ import annotations

import ipaddress
import logging
import signal
import socket
from pathlib import Path

import uvicorn

from saas_tracker.warehouse.ownership import claim

log = logging.getLogger("saas_tracker.warehouse")


class WarehouseConfigError(RuntimeError):
    pass


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise WarehouseConfigError(f"cannot listen on {host}:{port}: {error.strerror}") from None


def serve(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8123,
    password: str = "",
    max_workers: int = 64,
    session_timeout: int = 60,
) -> None:
    """Own ``data_dir``, open chDB on it and answer ClickHouse HTTP requests until SIGTERM/SIGINT."""
    if not is_loopback(host) and not password:
        raise WarehouseConfigError(
            f"listening on {host} (beyond loopback) requires a password: set TRACKER_WAREHOUSE_PASSWORD"
        )
    data_dir = data_dir.resolve()
    lock = claim(data_dir, host, port)  # refuses a second owner before anything else touches the data
    try:
        _check_port_free(host, port)
        from saas_tracker.warehouse.engine import Engine  # chDB loads only in the owning process
        from saas_tracker.warehouse.protocol import LongUrlHttpToolsProtocol
        from saas_tracker.warehouse.server import WarehouseApp

        engine = Engine(data_dir / "chdb")
        app = WarehouseApp(engine, password=password, max_workers=max_workers, session_timeout=session_timeout)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="on",
            log_level="warning",
            access_log=False,
            http=LongUrlHttpToolsProtocol,
            loop="uvloop",
            timeout_graceful_shutdown=60,
            timeout_keep_alive=30,
        )
        log.warning("embedded ClickHouse %s serving %s on http://%s:%d", engine.version, data_dir, host, port)
        # uvicorn finishes in-flight requests on SIGTERM/SIGINT, then the lifespan
        # shutdown closes chDB. It re-raises the signal to the handler that was
        # installed before it; a no-op one lets a clean shutdown exit with status 0.
        for handled in (signal.SIGTERM, signal.SIGINT):
            signal.signal(handled, lambda *_: None)
        uvicorn.Server(config).run()
        log.warning("embedded ClickHouse stopped cleanly")
    finally:
        lock.close()
