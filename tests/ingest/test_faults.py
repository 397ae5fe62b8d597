"""Faults: the collector killed mid-load, ClickHouse stopped mid-load, SIGTERM.

Afterwards every acknowledged event id is in tracker_raw.events and
count(DISTINCT event_id) equals the number acknowledged. The raw table may hold
a duplicate row when a collector was killed after persisting a batch but before
answering (the client resends; staging keeps one, DESIGN.md section 3).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager

import pytest

from tests.ingest.collector_process import CollectorProcess
from tests.ingest.load_client import ResendingClient
from tests.ingest.support import create_tracked_app, wait_for
from tests.warehouse_process import WarehouseProcess, free_port

pytestmark = pytest.mark.fault


def counts(client, app) -> tuple[int, int, set[str]]:
    rows = client.query(
        "SELECT toString(event_id) FROM tracker_raw.events WHERE company_id = {c:UUID} AND app_id = {a:UUID}",
        parameters={"c": app.company_id, "a": app.app_id},
    ).result_rows
    ids = [r[0] for r in rows]
    return len(ids), len(set(ids)), set(ids)


def assert_exactly_once(client, app, acknowledged: list[str]) -> int:
    """Wait until every acknowledged event is stored; return the raw duplicate rows."""
    expected = set(acknowledged)
    assert len(expected) == len(acknowledged)
    wait_for(lambda: expected <= counts(client, app)[2], timeout=60)
    total, distinct, ids = counts(client, app)
    assert expected <= ids, f"{len(expected - ids)} acknowledged events are missing"
    assert distinct == len(expected), "events that were never acknowledged were stored"
    return total - distinct


@pytest.mark.parametrize(
    "kills", [pytest.param(5, id="5-kills"), pytest.param(25, id="25-kills", marks=pytest.mark.slow)]
)
def test_sigkill_the_collector_repeatedly_while_clients_send(ingest_warehouse, ch, tmp_path, kills):
    app = create_tracked_app()
    port = free_port()
    collector = CollectorProcess(tmp_path / "spool", port, env={"TRACKER_INGEST_FLUSH_INTERVAL_MS": "50"}).start()
    stop = threading.Event()
    clients = [ResendingClient(port, app, stop) for _ in range(4)]
    for client in clients:
        client.start()
    try:
        for _ in range(kills):
            time.sleep(0.8)
            assert collector.kill() == -signal.SIGKILL
            collector.start()
        time.sleep(0.8)
    finally:
        stop.set()
        for client in clients:
            client.join(60)
        assert collector.stop() == 0
    acknowledged = [i for client in clients for i in client.acknowledged]
    assert not [u for client in clients for u in client.unexpected]
    assert len(acknowledged) > 400
    failures = sum(1 for client in clients for _, status in client.statuses if status is None)
    assert failures > 0, "no request was cut by a kill: the test did not test anything"
    duplicates = assert_exactly_once(ch, app, acknowledged)
    print(
        f"\n{len(acknowledged)} events acknowledged across {kills} SIGKILLs; {failures} requests cut; "
        f"{duplicates} raw duplicate rows (removed by staging)"
    )
    secret_in_logs = app.secret in collector.log_path.read_text(errors="replace")
    assert not secret_in_logs


@contextmanager
def using_clickhouse(url: str):
    """Point this process's control plane at another ClickHouse for a moment."""
    from saas_tracker.settings import core_settings

    previous = os.environ["TRACKER_CLICKHOUSE_URL"]
    os.environ["TRACKER_CLICKHOUSE_URL"] = url
    core_settings.cache_clear()
    try:
        yield
    finally:
        os.environ["TRACKER_CLICKHOUSE_URL"] = previous
        core_settings.cache_clear()


@pytest.mark.parametrize(
    "stop_signal",
    [pytest.param(signal.SIGTERM, id="sigterm"), pytest.param(signal.SIGKILL, id="sigkill", marks=pytest.mark.slow)],
)
def test_stop_clickhouse_in_the_middle_of_a_load(ingest_warehouse, tmp_path, stop_signal):
    from saas_tracker.clickhouse import get_client
    from saas_tracker.control import plans
    from saas_tracker.migrate import migrate
    from tests.ingest.support import ACTOR

    warehouse = WarehouseProcess(tmp_path / "clickhouse", free_port()).start()
    collector = None
    try:
        with using_clickhouse(warehouse.url):
            migrate()
            plans.sync_catalogue(actor=ACTOR)
            app = create_tracked_app()
            client = get_client()
        port = free_port()
        collector = CollectorProcess(
            tmp_path / "spool",
            port,
            env={
                "TRACKER_CLICKHOUSE_URL": warehouse.url,
                "TRACKER_INGEST_FLUSH_INTERVAL_MS": "50",
                "TRACKER_INGEST_RETRY_MAX_BACKOFF_SECONDS": "0.5",
            },
        ).start()
        stop = threading.Event()
        clients = [ResendingClient(port, app, stop) for _ in range(3)]
        for c in clients:
            c.start()
        time.sleep(1.5)
        warehouse.stop(stop_signal)
        down_at = time.monotonic()
        time.sleep(2.5)  # credentials come from the collector's memory, events go to the spool
        up_at = time.monotonic()
        warehouse.start()
        time.sleep(1.5)
        stop.set()
        for c in clients:
            c.join(60)
        answered_while_down = [s for c in clients for t, s in c.statuses if down_at + 0.2 < t < up_at]
        assert answered_while_down and set(answered_while_down) == {200}
        assert not [u for c in clients for u in c.unexpected]
        acknowledged = [i for c in clients for i in c.acknowledged]
        duplicates = assert_exactly_once(client, app, acknowledged)
        # No collector crash: the spool's deduplication tokens prevent any double, even
        # for an insert ClickHouse stored just before it was killed.
        assert duplicates == 0
        print(
            f"\n{len(acknowledged)} events acknowledged, {len(answered_while_down)} requests answered "
            "from the spool while ClickHouse was down; all loaded exactly once"
        )
    finally:
        if collector is not None:
            collector.stop()
        warehouse.stop()


def test_sigterm_loads_the_spool_then_exits(ingest_warehouse, ch, tmp_path):
    from tests.ingest.support import event, signed_request

    app = create_tracked_app()
    port = free_port()
    collector = CollectorProcess(
        tmp_path / "spool",
        port,
        env={"TRACKER_INGEST_FLUSH_INTERVAL_MS": "600000"},  # no load before SIGTERM
    ).start()
    import httpx

    events = [event() for _ in range(25)]
    body, headers = signed_request(app, {"events": events})
    assert httpx.post(f"{collector.url}/v1/batch", content=body, headers=headers).json()["accepted"] == 25
    assert counts(ch, app)[0] == 0
    assert collector.stop(signal.SIGTERM) == 0
    assert counts(ch, app)[2] == {e["event_id"] for e in events}
    assert not list((tmp_path / "spool").glob("*.seg"))
