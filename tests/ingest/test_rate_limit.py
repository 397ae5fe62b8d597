"""Per-application rate limit: 429 with Retry-After, counted in events."""

from __future__ import annotations

from tests.ingest.support import event, signed_request


def test_over_the_limit_is_429_with_retry_after(start_collector, make_app):
    collector = start_collector(rate_limit_events_per_second=10, rate_limit_burst_events=50, max_events_per_batch=50)
    app, other = make_app(), make_app()
    assert collector.batch(app, [event() for _ in range(50)]).status_code == 200
    limited = collector.batch(app, [event() for _ in range(20)])
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "10 events per second" in limited.json()["detail"]
    # The limit is per application.
    assert collector.batch(other, [event() for _ in range(50)]).status_code == 200


def test_a_rate_limited_request_may_be_retried_with_the_same_signature(start_collector, tracked_app):
    collector = start_collector(rate_limit_events_per_second=1000, rate_limit_burst_events=500)
    assert collector.batch(tracked_app, [event() for _ in range(500)]).status_code == 200
    body, headers = signed_request(tracked_app, {"events": [event() for _ in range(300)]})
    assert collector.client.post("/v1/batch", content=body, headers=headers).status_code == 429
    import time

    time.sleep(0.4)  # 400 tokens back
    retried = collector.client.post("/v1/batch", content=body, headers=headers)
    assert retried.status_code == 200, retried.text  # nothing was stored the first time: not a replay
    assert retried.json()["accepted"] == 300
