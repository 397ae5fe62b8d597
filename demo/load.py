"""Send a workload through the real, signed collector with the SDK.

Each application gets its own Tracker(s); ``track()`` only queues, so the
loop waits while a queue is long instead of letting the SDK drop events.
Late events go out after everything else. Returns the collector's verdicts
as the SDK counted them.
"""

from __future__ import annotations

import dataclasses
import time

from saas_tracker_sdk import Tracker

from demo.setup import DemoTenant
from demo.workload import Workload
from saas_tracker.clickhouse import get_client

# A demo-only HMAC key for user ids: the SDK hashes them client-side.
USER_ID_KEY = "demo-user-id-key"
MAX_QUEUED = 20_000
# Web carries ~85% of the events; two senders keep the collector busy (measured:
# one sender thread is the bottleneck, the collector is not).
SENDERS = {"web": 2, "mobile": 1}


def _send(trackers: list[Tracker], events: list[dict]) -> None:
    for i, event in enumerate(events):
        tracker = trackers[(i // 500) % len(trackers)]
        if i % 500 == 0:
            while tracker.stats.queued > MAX_QUEUED:
                time.sleep(0.01)
        tracker.track(**event)


def send_workload(tenant: DemoTenant, workload: Workload, endpoint: str) -> dict[str, int]:
    trackers = {
        app: [
            Tracker(
                tenant.app_ids[app],
                tenant.secrets[app],
                endpoint,
                flush_at=500,
                max_queue_size=10 * MAX_QUEUED,
                user_id_key=USER_ID_KEY,
                flush_interval=0.2,
                flush_at_exit=False,
            )
            for _ in range(SENDERS[app])
        ]
        for app in workload.events
    }
    # Interleave the applications day by day would be more realistic; the
    # events carry their own timestamps, so the order only matters for "late".
    for app, events in workload.events.items():
        _send(trackers[app], events)
    for group in trackers.values():
        for tracker in group:
            tracker.flush()
    for app, events in workload.late.items():
        _send(trackers[app], events)
    totals: dict[str, int] = {}
    for group in trackers.values():
        for tracker in group:
            tracker.close(timeout=120)
            for name, value in dataclasses.asdict(tracker.stats).items():
                totals[name] = totals.get(name, 0) + value
    return totals


def wait_for_raw(company_id: str, at_least: int, timeout: float = 120) -> int:
    """Rows in tracker_raw.events for the company once it reaches ``at_least`` (the collector
    acknowledges after fsync to its spool and loads ClickHouse a moment later)."""
    deadline = time.monotonic() + timeout
    while True:
        count = (
            get_client()
            .query("SELECT count() FROM tracker_raw.events WHERE company_id = {c:UUID}", parameters={"c": company_id})
            .result_rows[0][0]
        )
        if count >= at_least or time.monotonic() > deadline:
            return int(count)
        time.sleep(0.25)
