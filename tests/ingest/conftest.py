"""Fixtures for the collector tests: a migrated warehouse, applications, an in-process collector.

Tests never truncate shared tables: each one creates its own company and
application (random UUIDs) and reads back only its own rows.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ingest.support import TrackedApp, create_tracked_app, signed_request


@pytest.fixture(scope="session")
def ingest_warehouse(warehouse):
    """The warehouse with every migration applied and the plan catalogue loaded."""
    from saas_tracker.control import plans
    from saas_tracker.migrate import migrate
    from tests.ingest.support import ACTOR

    migrate()
    plans.sync_catalogue(actor=ACTOR)
    return warehouse


@pytest.fixture
def make_app(ingest_warehouse):
    return create_tracked_app


@pytest.fixture
def tracked_app(make_app) -> TrackedApp:
    return make_app()


class CollectorClient:
    """A TestClient around an in-process collector, with signing helpers."""

    def __init__(self, client, app):
        self.client = client
        self.app = app

    @property
    def collector(self):
        return self.app.state.collector

    def post(self, path: str, app: TrackedApp, payload, **options):
        body, headers = signed_request(app, payload, **options)
        return self.client.post(path, content=body, headers=headers)

    def batch(self, app: TrackedApp, events: list, **options):
        return self.post("/v1/batch", app, {"events": events}, **options)

    def wait_loaded(self, timeout: float = 20.0) -> None:
        """Until everything acknowledged so far is in ClickHouse (the spool is empty)."""
        spool = self.collector.spool
        deadline = time.monotonic() + timeout
        while spool.accounting.used > 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"spool not loaded within {timeout}s ({spool.accounting.used} bytes left)")
            time.sleep(0.01)


@pytest.fixture
def start_collector(ingest_warehouse, tmp_path: Path):
    """start_collector(target=None, **settings) -> CollectorClient; shut down (as on SIGTERM) at teardown."""
    from fastapi.testclient import TestClient

    from ingest_api.app import create_app
    from ingest_api.settings import IngestSettings

    started = []

    def start(target=None, **overrides) -> CollectorClient:
        settings = IngestSettings(
            **({"spool_dir": tmp_path / f"spool-{len(started)}", "flush_interval_ms": 10} | overrides)
        )
        app = create_app(settings, target=target)
        client = TestClient(app)
        client.__enter__()
        started.append(client)
        return CollectorClient(client, app)

    yield start
    for client in reversed(started):
        client.__exit__(None, None, None)


@pytest.fixture
def collector(start_collector) -> CollectorClient:
    return start_collector()
