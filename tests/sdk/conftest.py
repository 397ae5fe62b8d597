"""Fixtures for the SDK tests: a real collector process to send to."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.ingest.collector_process import CollectorProcess
from tests.ingest.conftest import ingest_warehouse, make_app, tracked_app  # noqa: F401 - shared fixtures
from tests.warehouse_process import free_port


@pytest.fixture(scope="module")
def collector_url(ingest_warehouse, tmp_path_factory):  # noqa: F811
    collector = CollectorProcess(
        tmp_path_factory.mktemp("sdk") / "spool", free_port(), env={"TRACKER_INGEST_FLUSH_INTERVAL_MS": "20"}
    ).start()
    yield collector.url
    assert collector.stop() == 0


@pytest.fixture
def start_collector_process(ingest_warehouse, tmp_path):  # noqa: F811
    """start_collector_process(**env) -> CollectorProcess, stopped at teardown."""
    started = []

    def start(**env) -> CollectorProcess:
        collector = CollectorProcess(tmp_path / f"spool-{len(started)}", free_port(), env=env).start()
        started.append(collector)
        return collector

    yield start
    for collector in started:
        collector.stop()


def wait_until_known(url: str, app, timeout: float = 10.0) -> None:
    """A new application reaches another process's credential cache within ~2 s (control plane)."""
    import httpx

    from tests.ingest.support import signed_request, wait_for

    def known() -> bool:
        body, headers = signed_request(app, {"events": []}, timestamp=int(time.time()) - next(_stamps) % 200)
        return httpx.post(f"{url}/v1/batch", content=body, headers=headers).status_code == 200

    assert wait_for(known, timeout=timeout, interval=0.2), "the collector never learned the application"


_stamps = itertools.count()


@pytest.fixture
def make_sdk_app(make_app, collector_url):  # noqa: F811
    def make(url: str | None = None, **options):
        app = make_app(**options)
        wait_until_known(url or collector_url, app)
        return app

    return make


@pytest.fixture
def sdk_app(make_sdk_app):
    return make_sdk_app()
