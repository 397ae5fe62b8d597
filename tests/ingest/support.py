"""Helpers for the collector tests: applications with credentials, signed requests, stored rows."""

from __future__ import annotations

import gzip as gzip_module
import time
import uuid
from dataclasses import dataclass, field

import orjson

from saas_tracker import signing

ACTOR = "test:ingest"


@dataclass(frozen=True)
class TrackedApp:
    company_id: str
    app_id: str
    secret: str = field(repr=False)
    environments: tuple[str, ...] = ()


def create_tracked_app(
    environments=("production", "staging"), backfill_window_days: int = 35, plan: str = "growth"
) -> TrackedApp:
    from saas_tracker.control import applications, companies

    company = companies.create_company(f"Ingest test {uuid.uuid4().hex[:8]}", plan, actor=ACTOR)
    created = applications.create_application(
        company.company_id,
        "Web",
        environments=list(environments),
        backfill_window_days=backfill_window_days,
        actor=ACTOR,
    )
    return TrackedApp(
        str(company.company_id), str(created.application.app_id), created.credentials.secret, tuple(environments)
    )


def event(name: str = "page_view", **fields) -> dict:
    """A valid event with a fresh id (override or remove fields with None via `drop`)."""
    body = {"event": name, "customer_org_id": "org-1", "event_id": str(uuid.uuid4()), "ts_epoch": time.time()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def signed_request(
    app: TrackedApp,
    payload,
    *,
    gzip: bool = False,
    timestamp: int | None = None,
    secret: str | None = None,
    extra_headers: dict | None = None,
) -> tuple[bytes, dict[str, str]]:
    """(body bytes, headers) for a request signed like the SDK signs it."""
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    headers = {"Content-Type": "application/json"}
    if gzip:
        body = gzip_module.compress(body)
        headers["Content-Encoding"] = "gzip"
    headers.update(signing.signed_headers(secret or app.secret, app.app_id, body, timestamp=timestamp))
    headers.update(extra_headers or {})
    return body, headers


def dead_target():
    """A real ClickHouse client aimed at a port nobody listens on: every insert fails to connect."""
    from ingest_api.settings import IngestSettings
    from ingest_api.warehouse import ClickHouseTarget
    from saas_tracker.settings import CoreSettings
    from tests.warehouse_process import free_port

    core = CoreSettings(clickhouse_url=f"http://127.0.0.1:{free_port()}")
    return ClickHouseTarget(IngestSettings(insert_timeout_seconds=2), core)


def stored_event_ids(ch, app: TrackedApp) -> list[str]:
    rows = ch.query(
        "SELECT toString(event_id) FROM tracker_raw.events WHERE company_id = {company:UUID} AND app_id = {app:UUID}",
        parameters={"company": app.company_id, "app": app.app_id},
    ).result_rows
    return [r[0] for r in rows]


def stored_rows(ch, app: TrackedApp) -> list[tuple]:
    """The app's raw rows as a user checks them (times as epoch floats), ordered by event name."""
    return ch.query(
        "SELECT toString(event_id), event, ts_source, toFloat64(ts), toFloat64(received_at), customer_org_id, "
        "user_hash, session_id, path, environment, plan, toString(company_id), retention_days "
        "FROM tracker_raw.events WHERE company_id = {c:UUID} AND app_id = {a:UUID} ORDER BY event",
        parameters={"c": app.company_id, "a": app.app_id},
    ).result_rows


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll ``predicate`` until it returns something truthy; return it (or the last falsy value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
