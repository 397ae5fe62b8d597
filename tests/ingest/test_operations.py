"""What an operator sees: health, readiness, Prometheus metrics, logs."""

from __future__ import annotations

import json
import logging
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.ingest.support import dead_target, event, signed_request


def samples(collector) -> dict[tuple[str, tuple], float]:
    text = collector.client.get("/metrics").text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_healthz_and_readyz(collector):
    assert collector.client.get("/healthz").json() == {"status": "ok"}
    ready = collector.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["clickhouse"] == "up" and ready.json()["status"] == "ready"


def test_metrics_count_verdicts_reasons_batches_and_refusals(start_collector, tracked_app):
    collector = start_collector(rate_limit_events_per_second=1, rate_limit_burst_events=10, max_events_per_batch=10)
    collector.batch(tracked_app, [event(), event(), event(user_hash="nope"), event(extra=1)])
    collector.batch(tracked_app, [event() for _ in range(10)])  # 429
    body, headers = signed_request(tracked_app, {"events": []})
    collector.client.post("/v1/batch", content=body + b" ", headers=headers)  # 401 mismatch
    collector.wait_loaded()
    m = samples(collector)
    assert m[("tracker_ingest_events_total", (("verdict", "accepted"),))] == 3
    assert m[("tracker_ingest_events_total", (("verdict", "rejected"),))] == 1
    assert m[("tracker_ingest_rejected_events_total", (("reason", "user_hash.format"),))] == 1
    assert m[("tracker_ingest_ignored_keys_total", ())] == 1
    assert m[("tracker_ingest_rate_limited_requests_total", ())] == 1
    assert m[("tracker_ingest_auth_failures_total", (("reason", "mismatch"),))] == 1
    assert m[("tracker_ingest_requests_total", (("route", "/v1/batch"), ("status", "429")))] == 1
    assert m[("tracker_ingest_load_rows_sum", ())] == 3
    assert m[("tracker_ingest_commit_seconds_count", ())] >= 1
    assert m[("tracker_ingest_spool_bytes", ())] == 0
    assert m[("tracker_ingest_clickhouse_up", ())] == 1


def test_logs_are_json_and_never_carry_a_secret(start_collector, tracked_app, caplog):
    from ingest_api.logs import JsonFormatter

    caplog.set_level(logging.DEBUG)
    collector = start_collector(target=dead_target(), shutdown_drain_seconds=0)
    collector.batch(tracked_app, [event()])
    body, headers = signed_request(tracked_app, {"events": [event()]}, secret="sts_wrong")
    collector.client.post("/v1/batch", content=body, headers=headers)
    time.sleep(0.3)  # at least one failed insert is logged
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records if record.name.startswith("ingest_api")]
    assert any("ClickHouse insert failed" in line for line in lines)
    for line in lines:
        json.loads(line)
        assert tracked_app.secret not in line
        assert headers["X-Tracker-Signature"].split("v1=")[1] not in line
