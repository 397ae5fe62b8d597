"""The whitelist and the rules: a verdict for every event, and the request limits."""

from __future__ import annotations

import gzip
import time
import uuid

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.support import event, signed_request, stored_event_ids, stored_rows

NOW = time.time()
HEX64 = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"event": ...}, "event: required"),
        ({"event": 42}, "event: must be a string"),
        ({"event": ""}, "event: 1 to 128 characters"),
        ({"event": "has\nnewline"}, "event: 1 to 128 characters"),
        ({"event": "a" * 129}, "event: 1 to 128 characters"),
        ({"event": "-leading-dash"}, "event: 1 to 128 characters"),
        ({"event": "emoji 🚀"}, "event: 1 to 128 characters"),
        ({"customer_org_id": ...}, "customer_org_id: required"),
        ({"customer_org_id": None}, "customer_org_id: required"),
        ({"customer_org_id": 7}, "customer_org_id: must be a string"),
        ({"customer_org_id": ""}, "customer_org_id: must not be empty"),
        ({"customer_org_id": "o" * 257}, "customer_org_id: at most 256 characters"),
        ({"user_hash": "ABC"}, "user_hash: must be 64 lowercase hexadecimal"),
        ({"user_hash": HEX64.upper()}, "user_hash: must be 64 lowercase hexadecimal"),
        ({"user_hash": HEX64 + "0"}, "user_hash: must be 64 lowercase hexadecimal"),
        ({"user_hash": 5}, "user_hash: must be 64 lowercase hexadecimal"),
        ({"session_id": "s" * 129}, "session_id: at most 128 characters"),
        ({"session_id": ["s"]}, "session_id: must be a string"),
        ({"path": "/" * 2049}, "path: at most 2048 characters"),
        ({"path": {"a": 1}}, "path: must be a string"),
        ({"plan": "p" * 65}, "plan: at most 64 characters"),
        ({"plan": True}, "plan: must be a string"),
        ({"environment": "e" * 65}, "environment: at most 64 characters"),
        ({"environment": "development"}, "environment: not one of this application's environments"),
        ({"ts_epoch": "1700000000"}, "ts_epoch: must be a finite number"),
        ({"ts_epoch": True}, "ts_epoch: must be a finite number"),
        ({"ts_epoch": -1}, "ts_epoch: must not be negative"),
        ({"ts_epoch": NOW + 3600}, "ts_epoch: more than 300 s ahead"),
        ({"ts_epoch": 1.7e12}, "ts_epoch: more than 300 s ahead"),  # milliseconds by mistake
        ({"event_id": "not-a-uuid"}, "event_id: must be a UUID"),
        ({"event_id": 12345}, "event_id: must be a UUID"),
        ({"event_id": str(uuid.uuid4()).replace("-", "")}, "event_id: must be a UUID"),
        ({"event_id": f"{uuid.uuid4()}\n{uuid.uuid4()}"}, "event_id: must be a UUID"),
        ({"event_id": str(uuid.uuid4()) + " "}, "event_id: must be a UUID"),
    ],
)
def test_each_rule_rejects_with_a_reason_naming_field_and_rule(collector, tracked_app, fields, reason):
    bad = event(**fields)
    response = collector.batch(tracked_app, [event(), bad])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 1
    assert len(body["rejected"]) == 1
    rejection = body["rejected"][0]
    assert rejection["index"] == 1
    assert rejection["reason"].startswith(reason), rejection["reason"]
    if isinstance(bad.get("event_id"), str):
        assert rejection["event_id"] == bad["event_id"][:64]  # echoed, at most 64 characters


def test_an_event_that_is_not_an_object_is_rejected(collector, tracked_app):
    response = collector.batch(tracked_app, [event(), "click", 3, None, []])
    body = response.json()
    assert body["accepted"] == 1
    assert [r["index"] for r in body["rejected"]] == [1, 2, 3, 4]
    assert all(r["reason"] == "event: each event must be a JSON object" for r in body["rejected"])


@pytest.mark.parametrize(
    "fields",
    [
        {"event": "$pageview"},
        {"event": "Signed Up"},
        {"event": "billing:invoice.paid/v2"},
        {"event": "a" * 128},
        {"user_hash": HEX64},
        {"user_hash": None, "session_id": None, "path": None, "environment": None, "plan": None},
        {"session_id": "s" * 128, "path": "/" * 2048, "plan": "p" * 64},
        {"environment": "staging"},
        {"ts_epoch": int(NOW)},
        {"ts_epoch": NOW + 299},
        {"ts_epoch": ...},
        {"event_id": str(uuid.uuid4()).upper()},
        {"customer_org_id": "org with spaces and ünïcode"},
    ],
)
def test_valid_variants_are_accepted(collector, tracked_app, fields):
    body = collector.batch(tracked_app, [event(**fields)]).json()
    assert body == {"accepted": 1, "duplicates": 0, "quarantined": 0, "rejected": []}


def test_environment_is_free_when_the_application_declares_none(collector, make_app):
    app = make_app(environments=())
    assert collector.batch(app, [event(environment="anything-goes")]).json()["accepted"] == 1


def test_stored_rows_keep_the_whitelist_and_stamp_the_rest(collector, tracked_app, ch):
    first = event(
        user_hash=HEX64,
        session_id="s-1",
        path="/reports",
        environment="production",
        plan="gold",
        ts_epoch=time.time() - 60,
        unknown_key="ignored",
        another={"nested": True},
    )
    second = event("no_time", ts_epoch=...)
    response = collector.batch(tracked_app, [first, second])
    assert response.json()["ignored_keys"] == {"unknown_key": 1, "another": 1}
    collector.wait_loaded()
    rows = stored_rows(ch, tracked_app)
    assert len(rows) == 2
    no_time, page_view = rows
    assert page_view[:3] == (first["event_id"], "page_view", "client")
    assert abs(page_view[3] - first["ts_epoch"]) < 0.002
    assert page_view[5:12] == ("org-1", HEX64, "s-1", "/reports", "production", "gold", tracked_app.company_id)
    assert page_view[12] > 0  # the plan's retention, copied for the TTL
    assert no_time[1:3] == ("no_time", "server")
    assert no_time[3] == no_time[4]  # server time: ts is the receive time


def test_events_without_an_id_get_a_deterministic_one(collector, tracked_app, ch):
    anonymous = event("signup", event_id=..., ts_epoch=1_795_000_000.5)
    first = collector.batch(tracked_app, [anonymous]).json()
    second = collector.batch(tracked_app, [dict(anonymous)], timestamp=int(time.time()) - 10).json()
    assert first["accepted"] == 1
    assert second == {"accepted": 0, "duplicates": 1, "quarantined": 0, "rejected": []}
    collector.wait_loaded()
    ids = stored_event_ids(ch, tracked_app)
    assert len(ids) == 1 and uuid.UUID(ids[0]).version == 5


def test_duplicates_within_a_request_and_across_requests(collector, tracked_app, ch):
    a, b = event(), event()
    body = collector.batch(tracked_app, [a, b, dict(a), dict(a)]).json()
    assert (body["accepted"], body["duplicates"]) == (2, 2)
    again = collector.batch(tracked_app, [dict(b), event()]).json()
    assert (again["accepted"], again["duplicates"]) == (1, 1)
    collector.wait_loaded()
    assert len(stored_event_ids(ch, tracked_app)) == 3


def test_time_policy_quarantines_events_older_than_the_backfill_window(collector, make_app, ch):
    app = make_app(backfill_window_days=7)
    old = event("old_event", ts_epoch=time.time() - 8 * 86_400)
    recent = event("recent_event", ts_epoch=time.time() - 6 * 86_400)
    body = collector.batch(app, [old, recent]).json()
    assert (body["accepted"], body["quarantined"]) == (1, 1)
    collector.wait_loaded()
    assert stored_event_ids(ch, app) == [recent["event_id"]]
    held = ch.query(
        "SELECT toString(event_id), reason, status FROM tracker_raw.events_quarantine FINAL "
        "WHERE company_id = {c:UUID} AND app_id = {a:UUID}",
        parameters={"c": app.company_id, "a": app.app_id},
    ).result_rows
    assert held == [(old["event_id"], "older_than_backfill_window", "quarantined")]


# --- request-level limits and formats ------------------------------------


def test_more_than_500_events_is_413_naming_the_limit(collector, tracked_app):
    response = collector.batch(tracked_app, [event() for _ in range(501)])
    assert response.status_code == 413
    assert "limit is 500 events" in response.json()["detail"]
    assert collector.batch(tracked_app, [event() for _ in range(500)]).json()["accepted"] == 500


def test_an_event_over_32_kb_is_413_naming_the_limit(collector, tracked_app):
    big = event(padding="x" * 33_000)
    response = collector.batch(tracked_app, [event(), big])
    assert response.status_code == 413
    assert "event 1" in response.json()["detail"] and "32768 bytes (32 KB)" in response.json()["detail"]
    # Just under the limit is fine (the extra key is ignored, not stored).
    fits = event(padding="x" * 32_000)
    assert collector.batch(tracked_app, [fits]).json()["accepted"] == 1


def test_a_body_over_1_mb_is_413_naming_the_limit(collector, tracked_app):
    events = [event(padding="x" * 30_000) for _ in range(40)]
    response = collector.batch(tracked_app, events)
    assert response.status_code == 413
    assert "limit is 1048576 bytes (1 MB)" in response.json()["detail"]


def test_a_gzip_body_that_inflates_over_1_mb_is_413(collector, tracked_app):
    events = [event(padding="x" * 30_000) for _ in range(40)]  # ~1.2 MB of JSON, a few KB gzipped
    response = collector.batch(tracked_app, events, gzip=True)
    assert response.status_code == 413
    assert "decompressed body exceeds" in response.json()["detail"]


def test_gzip_bodies_are_accepted(collector, tracked_app):
    body = collector.batch(tracked_app, [event() for _ in range(50)], gzip=True).json()
    assert body["accepted"] == 50


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(collector, tracked_app, content_type):
    body, headers = signed_request(tracked_app, {"events": [event()]})
    headers.pop("Content-Type")
    if content_type:
        headers["Content-Type"] = content_type
    response = collector.client.post("/v1/batch", content=body, headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_unknown_content_encoding_is_415(collector, tracked_app):
    response = collector.batch(tracked_app, [event()], extra_headers={"Content-Encoding": "br"})
    assert response.status_code == 415


def test_charset_parameter_is_fine(collector, tracked_app):
    response = collector.batch(
        tracked_app, [event()], extra_headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[]", '"events" array'),
        (b'{"events": {"a": 1}}', '"events" array'),
        (b'{"event": "x"}', '"events" array'),
        (b'"\\ud800"', "not valid JSON"),
    ],
)
def test_malformed_bodies_are_400(collector, tracked_app, payload, detail):
    response = collector.post("/v1/batch", tracked_app, payload)
    assert response.status_code == 400
    assert detail in response.json()["detail"]


def test_corrupt_gzip_is_400(collector, tracked_app):
    body = gzip.compress(orjson.dumps({"events": [event()]}))[:-6]
    response = collector.post("/v1/batch", tracked_app, body, extra_headers={"Content-Encoding": "gzip"})
    assert response.status_code == 400


def test_single_event_endpoint(collector, tracked_app):
    good = collector.post("/v1/events", tracked_app, event())
    assert good.json() == {"accepted": 1, "duplicates": 0, "quarantined": 0, "rejected": []}
    bad = collector.post("/v1/events", tracked_app, event(customer_org_id=...)).json()
    assert bad["rejected"][0]["reason"] == "customer_org_id: required"
    assert collector.post("/v1/events", tracked_app, [event()]).status_code == 400


# --- verdict accounting: accepted + duplicates + quarantined + rejected = sent ---

_ID_SLOTS = 6  # event ids come from a few slots, so requests repeat ids (duplicates)
_valid = st.fixed_dictionaries(
    {"event": st.sampled_from(["click", "view", "Signed Up"]), "customer_org_id": st.sampled_from(["o1", "o2"])},
    optional={
        "ts_epoch": st.one_of(st.floats(NOW - 40 * 86_400, NOW + 200), st.just(NOW + 10_000)),
        "user_hash": st.sampled_from([HEX64, "xyz"]),
        "environment": st.sampled_from(["production", "staging", "dev"]),
        "event_id": st.one_of(st.integers(0, _ID_SLOTS - 1), st.just("bad-id")),
        "extra": st.integers(-(2**63), 2**63 - 1),
    },
)
_events = st.lists(st.one_of(_valid, st.integers(-1000, 1000), st.none(), st.text(max_size=3)), max_size=30)


def _row_count(ch, app) -> int:
    return len(stored_event_ids(ch, app))


@pytest.fixture(scope="module")
def accounting_app(ingest_warehouse):
    from tests.ingest.support import create_tracked_app

    return create_tracked_app()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=_events)
def test_every_event_gets_exactly_one_verdict(collector, accounting_app, ch, events):
    app = accounting_app
    slots = [str(uuid.uuid4()) for _ in range(_ID_SLOTS)]  # fresh per example
    events = [
        {**e, "event_id": slots[e["event_id"]]} if isinstance(e, dict) and isinstance(e.get("event_id"), int) else e
        for e in events
    ]
    before = _row_count(ch, app)
    body = collector.batch(app, events).json()
    counted = body["accepted"] + body["duplicates"] + body["quarantined"] + len(body["rejected"])
    assert counted == len(events)
    assert len({r["index"] for r in body["rejected"]}) == len(body["rejected"])
    collector.wait_loaded()
    assert _row_count(ch, app) - before == body["accepted"]  # every accepted event stored, nothing else
