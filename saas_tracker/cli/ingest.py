"""`saas-tracker ingest serve`: the collector (DESIGN.md section 5)."""

from __future__ import annotations

import signal

import click


@click.group()
def ingest() -> None:
    """The event collector."""


@ingest.command()
@click.option("--host", default=None, help="Listen address (default TRACKER_INGEST_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="HTTP port (default TRACKER_INGEST_PORT or 8000).")
@click.option("--spool-dir", type=click.Path(file_okay=False), default=None, help="Default <TRACKER_DATA_DIR>/spool.")
def serve(host: str | None, port: int | None, spool_dir: str | None) -> None:
    """Run the collector in the foreground until SIGTERM or Ctrl-C.

    On SIGTERM it stops accepting, answers the requests in flight, seals the
    spool and loads it into ClickHouse for up to TRACKER_INGEST_SHUTDOWN_DRAIN_SECONDS;
    what is left is loaded at the next start.
    """
    import uvicorn

    from ingest_api.app import create_app
    from ingest_api.logs import configure_logging
    from ingest_api.settings import IngestSettings

    overrides = {k: v for k, v in {"host": host, "port": port, "spool_dir": spool_dir}.items() if v is not None}
    settings = IngestSettings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # One process: the spool, the duplicate window and the rate limits live in it.
        workers=1,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,  # one line per request costs more than the rest of a small request
        log_config=None,
        timeout_graceful_shutdown=30,
    )
    # uvicorn re-raises the signal to the handler installed before it once it has
    # shut down cleanly; a no-op handler makes a clean SIGTERM exit with status 0.
    for handled in (signal.SIGTERM, signal.SIGINT):
        signal.signal(handled, lambda *_: None)
    # A startup failure (e.g. another collector holds the spool) is logged by uvicorn, exit status 3.
    uvicorn.Server(config).run()
