"""`saas-tracker metrics serve`: the metrics API (DESIGN.md section 7)."""

from __future__ import annotations

import signal

import click


@click.group()
def metrics() -> None:
    """The metrics API: analytics endpoints, billing exports, admin API."""


@metrics.command()
@click.option("--host", default=None, help="Listen address (default TRACKER_METRICS_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="HTTP port (default TRACKER_METRICS_PORT or 8001).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes (stateless: any number).")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Run the metrics API in the foreground until SIGTERM or Ctrl-C."""
    import uvicorn

    from metrics_api.settings import metrics_settings

    settings = metrics_settings()
    config = uvicorn.Config(
        "metrics_api.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    # uvicorn re-raises the signal to the previous handler after a clean shutdown; a no-op
    # handler makes SIGTERM exit with status 0.
    for handled in (signal.SIGTERM, signal.SIGINT):
        signal.signal(handled, lambda *_: None)
    if workers > 1:
        # Several processes need uvicorn's supervisor, which only uvicorn.run provides.
        uvicorn.run(config.app, factory=True, host=config.host, port=config.port, workers=workers, access_log=False)
    else:
        uvicorn.Server(config).run()
