"""`saas-tracker warehouse start|status|stop`: the embedded ClickHouse endpoint."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

import click

from saas_tracker.settings import CoreSettings, WarehouseSettings
from saas_tracker.warehouse.ownership import read_owner


def _data_dir(option: Path | None) -> Path:
    if option is not None:
        return option
    configured = WarehouseSettings().data_dir
    return configured if configured is not None else CoreSettings().data_dir / "clickhouse"


def _ping(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=timeout) as response:
            return response.read() == b"Ok.\n"
    except OSError:
        return False


@click.group()
def warehouse() -> None:
    """The embedded ClickHouse (chDB served over ClickHouse's HTTP interface)."""


@warehouse.command()
@click.option("--host", default=None, help="Listen address (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="HTTP port (default 8123).")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="Default .tracker/clickhouse.")
def start(host: str | None, port: int | None, data_dir: Path | None) -> None:
    """Run the embedded ClickHouse in the foreground until SIGTERM or Ctrl-C."""
    from saas_tracker.warehouse.ownership import DataDirectoryInUse
    from saas_tracker.warehouse.serve import WarehouseConfigError, serve

    settings = WarehouseSettings()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        serve(
            _data_dir(data_dir),
            host=host or settings.host,
            port=port or settings.port,
            password=settings.password.get_secret_value(),
            max_workers=settings.max_concurrent_queries,
            session_timeout=settings.session_timeout_seconds,
        )
    except (DataDirectoryInUse, WarehouseConfigError) as error:
        raise click.ClickException(str(error)) from None


@warehouse.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status(data_dir: Path | None, as_json: bool) -> None:
    """Whether a warehouse owns the data directory and answers /ping (exit 1 if not running)."""
    directory = _data_dir(data_dir).resolve()
    owner = read_owner(directory)
    ready = bool(owner) and _ping(owner.url)
    info = {
        "data_dir": str(directory),
        "running": owner is not None,
        "ready": ready,
        "pid": owner.pid if owner else None,
        "url": owner.url if owner else None,
    }
    if as_json:
        click.echo(json.dumps(info))
    elif owner is None:
        click.echo(f"not running (data directory {directory})")
    else:
        click.echo(f"{'ready' if ready else 'starting'}: pid {owner.pid}, {owner.url}, data {directory}")
    sys.exit(0 if owner else 1)


@warehouse.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--timeout", type=float, default=60.0, help="Seconds to wait for a clean shutdown.")
def stop(data_dir: Path | None, timeout: float) -> None:
    """Stop the warehouse that owns the data directory (SIGTERM, then wait for it to finish)."""
    directory = _data_dir(data_dir).resolve()
    owner = read_owner(directory)
    if owner is None:
        click.echo("not running")
        return
    os.kill(owner.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if read_owner(directory) is None:
            click.echo(f"stopped (pid {owner.pid})")
            return
        time.sleep(0.1)
    raise click.ClickException(f"pid {owner.pid} did not stop within {timeout:.0f}s")
