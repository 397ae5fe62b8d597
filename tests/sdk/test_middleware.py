"""The Starlette/FastAPI middleware tracks requests of identified organizations."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from saas_tracker_sdk import Tracker, hash_user_id
from saas_tracker_sdk.middleware import TrackerMiddleware

from tests.ingest.support import wait_for


def test_requests_are_tracked_with_org_user_and_path(collector_url, sdk_app, ch):
    tracker = Tracker(sdk_app.app_id, sdk_app.secret, collector_url, flush_interval=0.1)
    app = FastAPI()

    @app.middleware("http")
    async def authenticate(request: Request, call_next):  # stands in for the product's auth
        request.state.org = request.headers.get("x-org")
        request.state.user = request.headers.get("x-user")
        return await call_next(request)

    async def org_of(request: Request):
        return request.state.org

    app.add_middleware(
        TrackerMiddleware,
        tracker=tracker,
        customer_org=org_of,
        user_id=lambda request: request.state.user,
        event="api_call",
    )

    @app.get("/reports/{report_id}")
    async def report(report_id: int):
        return {"id": report_id}

    @app.get("/healthz")
    async def healthz():
        return {}

    @app.get("/boom")
    async def boom():
        raise RuntimeError("product bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/reports/7", headers={"x-org": "org-9", "x-user": "u-1"}).json() == {"id": 7}
        assert client.get("/reports/8").status_code == 200  # anonymous: not tracked
        client.get("/healthz", headers={"x-org": "org-9"})  # excluded path
        assert client.get("/boom", headers={"x-org": "org-9"}).status_code == 500
    assert tracker.flush(timeout=10)
    tracker.close()

    def rows():
        return ch.query(
            "SELECT event, customer_org_id, user_hash, path FROM tracker_raw.events "
            "WHERE company_id = {c:UUID} AND app_id = {a:UUID} ORDER BY path",
            parameters={"c": sdk_app.company_id, "a": sdk_app.app_id},
        ).result_rows

    stored = wait_for(lambda: len(rows()) >= 2 and rows(), timeout=20)
    assert stored == [
        ("api_call", "org-9", "", "/boom"),
        ("api_call", "org-9", hash_user_id("u-1"), "/reports/7"),
    ]
