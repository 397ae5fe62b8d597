"""The event explorer: bounded ranges, filters, cursor pagination."""

from __future__ import annotations

from tests.metrics_api.conftest import auth


def test_event_explorer_pages_through_a_bounded_range(api, acme):
    params = {"from": "2025-06-01T00:00:00Z", "to": "2025-06-03T00:00:00Z", "limit": 25}
    seen, cursor = [], None
    while True:
        page = api.get(
            "/v1/events", headers=auth(acme), params={**params, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 60 and len({e["event_id"] for e in seen}) == 60
    times = [e["event_at"] for e in seen]
    assert times == sorted(times, reverse=True)
    org = acme.org_ids[0]
    filtered = api.get(
        "/v1/events", headers=auth(acme), params={**params, "customer_org_id": org, "path_prefix": f"/{acme.tag}/home"}
    ).json()
    assert all(e["customer_org_id"] == org and e["path"] == f"/{acme.tag}/home" for e in filtered["items"])


def test_event_explorer_refuses_unbounded_ranges_and_bad_cursors(api, acme):
    wide = api.get(
        "/v1/events", headers=auth(acme), params={"from": "2025-01-01T00:00:00", "to": "2025-06-01T00:00:00"}
    )
    assert wide.status_code == 400 and "at most 31 days" in wide.json()["detail"]
    bad = api.get("/v1/events", headers=auth(acme), params={"cursor": "garbage"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("cursor:")
