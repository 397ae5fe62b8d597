"""The fast path answers exactly what the per-event path answers, or steps aside.

For random mixes of valid and invalid events, whenever fastpath.py gives
verdicts they equal validation.judge's (the reference): the same answer, the
same stored rows byte for byte, the same ids remembered. Plainly valid batches
must take the fast path, or it would be tested vacuously.
"""

from __future__ import annotations

import time
import uuid

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest_api.dedup import RecentEvents
from ingest_api.fastpath import MAX_WHITELISTED_EVENT_BYTES, FastPath
from ingest_api.rules import (
    MAX_ENVIRONMENT,
    MAX_EVENT_NAME,
    MAX_ORG_ID,
    MAX_PATH,
    MAX_PLAN,
    MAX_SESSION_ID,
    AppContext,
)
from ingest_api.settings import IngestSettings
from ingest_api.validation import judge
from tests.ingest.support import event, stored_event_ids, stored_rows

NOW = 1_790_000_000.25
HEX64 = "0123456789abcdef" * 4
KNOWN_IDS = [str(uuid.UUID(int=i + 1)) for i in range(4)]  # remembered as persisted before


def _app(environments=("production", "staging")) -> AppContext:
    return AppContext(
        company_id="7d9f4c1e-0000-4000-8000-000000000001",
        app_id="7d9f4c1e-0000-4000-8000-000000000002",
        environments=frozenset(environments),
        retention_days=90,
        backfill_seconds=35 * 86_400.0,
        future_seconds=300.0,
    )


def _recent(app: AppContext) -> RecentEvents:
    recent = RecentEvents(900, 250_000)
    recent.remember(app.app_id, KNOWN_IDS, now=0.0)
    return recent


def _plain(n: int) -> list[dict]:
    """What the SDK sends: every event valid, with an id and a time."""
    return [
        {
            "event": "page_view",
            "customer_org_id": f"org-{i % 3}",
            "event_id": str(uuid.uuid4()),
            "ts_epoch": NOW - i,
            "user_hash": HEX64,
            "session_id": "s-1",
            "path": "/app",
            "environment": "production",
            "plan": "growth",
        }
        for i in range(n)
    ]


_ID_POOL = [str(uuid.UUID(int=1000 + i)) for i in range(6)]  # a few repeats make in-request duplicates

_ids = st.one_of(
    st.sampled_from(_ID_POOL),
    st.sampled_from(KNOWN_IDS),
    st.uuids().map(str),
    st.uuids().map(lambda u: str(u).upper()),
    st.sampled_from(["not-a-uuid", "", uuid.UUID(int=7).hex, f"{uuid.UUID(int=8)}\n", 12, None]),
)
_times = st.one_of(
    st.floats(NOW - 40 * 86_400, NOW + 400),
    st.integers(int(NOW - 40 * 86_400), int(NOW + 400)),
    st.sampled_from([0, -1, -0.0, 1.7e12, True, "1790000000", None, 1e30, 2**64 - 1]),
)


def _text(limit: int):
    """Strings around a length limit, with characters JSON must escape."""
    return st.one_of(
        st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
        st.integers(limit - 1, limit + 1).map(lambda n: ("\x01é" * n)[:n]),
    )


_any_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.text(max_size=4),
    st.lists(st.integers(-(2**63), 2**63 - 1), max_size=2),
)

_event = st.fixed_dictionaries(
    {},
    optional={
        "event": st.one_of(
            st.sampled_from(["page_view", "Signed Up", "$pageview", "billing:paid/v2", "-bad", "", "a" * 129]),
            st.text(max_size=MAX_EVENT_NAME + 1),
            _any_value,
        ),
        "customer_org_id": st.one_of(st.sampled_from(["org-1", "org 2 ü"]), _text(MAX_ORG_ID), _any_value),
        "user_hash": st.one_of(st.sampled_from([HEX64, HEX64.upper(), HEX64[:-1], ""]), _any_value),
        "session_id": st.one_of(_text(MAX_SESSION_ID), _any_value),
        "path": st.one_of(_text(MAX_PATH), _any_value),
        "environment": st.one_of(st.sampled_from(["production", "staging", "dev", ""]), _text(MAX_ENVIRONMENT)),
        "plan": st.one_of(_text(MAX_PLAN), _any_value),
        "ts_epoch": _times,
        "event_id": _ids,
        "extra": _any_value,
    },
)
_events = st.lists(st.one_of(_event, _event, _event, _any_value), max_size=12)

# Plain events (below) with a few fields changed: mostly near the fast path's boundary.
_changes = st.dictionaries(
    st.sampled_from(
        ["event", "customer_org_id", "user_hash", "session_id", "path", "environment", "plan", "ts_epoch", "event_id"]
    ),
    st.one_of(_ids, _times, _any_value, st.sampled_from(["production", "staging", "", HEX64, "x" * 129])),
    max_size=2,
)


@st.composite
def _mostly_plain(draw):
    events = _plain(draw(st.integers(1, 8)))
    for e in events:
        if draw(st.integers(0, 3)) == 0:
            e.update(draw(_changes))
    return events


def _both(body: bytes, app: AppContext, single: bool = False):
    """(fast verdicts or None, reference verdicts) for one request body."""
    fast_path = FastPath(max_events_per_batch=500)
    decoded = fast_path.decode(body, single)
    fast = fast_path.judge(decoded, app, _recent(app), now=NOW) if decoded is not None else None
    payload = orjson.loads(body)
    reference = judge([payload] if single else payload["events"], app, _recent(app), now=NOW)
    return fast, reference


def _assert_same(fast, reference) -> None:
    assert fast.body() == reference.body()
    assert orjson.dumps(fast.event_rows) == orjson.dumps(reference.event_rows)
    assert sorted(fast.stored_ids) == sorted(reference.stored_ids)
    assert fast.quarantine_rows == reference.quarantine_rows == []


@settings(max_examples=400, deadline=None)
@given(events=st.one_of(_events, _mostly_plain()), declares_environments=st.booleans())
def test_fast_verdicts_equal_per_event_verdicts(events, declares_environments):
    app = _app() if declares_environments else _app(())
    fast, reference = _both(orjson.dumps({"events": events}), app)
    if fast is not None:
        _assert_same(fast, reference)


@settings(max_examples=200, deadline=None)
@given(event=_event)
def test_single_event_fast_verdict_equals_per_event_verdict(event):
    fast, reference = _both(orjson.dumps(event), _app(), single=True)
    if fast is not None:
        _assert_same(fast, reference)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 500),
    drop=st.sets(st.sampled_from(["user_hash", "session_id", "path", "environment", "plan", "ts_epoch"])),
    upper_ids=st.booleans(),
    int_times=st.booleans(),
)
def test_plain_batches_take_the_fast_path(n, drop, upper_ids, int_times):
    events = _plain(n)
    for e in events:
        for key in drop:
            del e[key]
        if upper_ids:
            e["event_id"] = e["event_id"].upper()
        if int_times and "ts_epoch" in e:
            e["ts_epoch"] = int(e["ts_epoch"])
    fast, reference = _both(orjson.dumps({"events": events}), _app())
    assert fast is not None, "a plainly valid batch fell back to the per-event path"
    _assert_same(fast, reference)
    assert reference.accepted == n


@pytest.mark.parametrize(
    "change",
    [
        {"extra": 1},  # an ignored key must be counted
        {"event_id": None},  # derived ids
        {"path": None},  # explicit null
        {"event_id": KNOWN_IDS[0]},  # a duplicate of an earlier request
        {"ts_epoch": NOW - 40 * 86_400},  # quarantined
        {"ts_epoch": NOW + 3_600},  # rejected
        {"environment": ""},  # not one of the application's
        {"user_hash": ""},
    ],
)
def test_anything_but_plain_acceptance_falls_back(change):
    events = _plain(3)
    events[1].update(change)
    fast, _ = _both(orjson.dumps({"events": events}), _app())
    assert fast is None


def test_a_whitelisted_event_cannot_reach_the_per_event_size_limit():
    # Every character escaped (6 bytes as \u00XX), every field at its length limit.
    worst = {
        "event": "\x01" * MAX_EVENT_NAME,
        "customer_org_id": "\x01" * MAX_ORG_ID,
        "user_hash": HEX64,
        "session_id": "\x01" * MAX_SESSION_ID,
        "path": "\x01" * MAX_PATH,
        "environment": "\x01" * MAX_ENVIRONMENT,
        "plan": "\x01" * MAX_PLAN,
        "ts_epoch": 1.7976931348623157e308,
        "event_id": str(uuid.uuid4()),
    }
    assert len(orjson.dumps(worst)) <= MAX_WHITELISTED_EVENT_BYTES <= IngestSettings().max_event_bytes


# --- through the collector ---------------------------------------------------


def _judged(collector, path: str) -> float:
    text = collector.client.get("/metrics").text
    for line in text.splitlines():
        if line.startswith(f'tracker_ingest_judged_requests_total{{path="{path}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_plain_batch_is_stored_through_the_fast_path(collector, tracked_app, ch):
    sent = [
        event(user_hash=HEX64, session_id="s-1", path="/reports", environment="production", plan="gold"),
        event("no_time", ts_epoch=..., event_id=str(uuid.uuid4()).upper()),
    ]
    before = _judged(collector, "fast")
    assert collector.batch(tracked_app, sent).json() == {
        "accepted": 2,
        "duplicates": 0,
        "quarantined": 0,
        "rejected": [],
    }
    assert _judged(collector, "fast") == before + 1
    collector.wait_loaded()
    rows = stored_rows(ch, tracked_app)
    no_time, page_view = rows
    assert page_view[:3] == (sent[0]["event_id"], "page_view", "client")
    assert abs(page_view[3] - sent[0]["ts_epoch"]) < 0.002
    assert page_view[5:12] == ("org-1", HEX64, "s-1", "/reports", "production", "gold", tracked_app.company_id)
    assert page_view[12] > 0
    assert no_time[:3] == (sent[1]["event_id"].lower(), "no_time", "server")
    assert no_time[3] == no_time[4]
    assert no_time[6:11] == ("", "", "", "", "")


def test_a_batch_with_one_bad_event_is_judged_event_by_event(collector, tracked_app, ch):
    good, bad = event(), event(user_hash="nope")
    before = _judged(collector, "per_event")
    body = collector.batch(tracked_app, [good, bad]).json()
    assert body["accepted"] == 1 and body["rejected"][0]["index"] == 1
    assert _judged(collector, "per_event") == before + 1
    collector.wait_loaded()
    assert stored_event_ids(ch, tracked_app) == [good["event_id"]]


def test_a_small_per_event_limit_still_holds(start_collector, tracked_app):
    """Below the whitelisted bound, events are measured one by one as before."""
    collector = start_collector(max_event_bytes=1024)
    response = collector.batch(tracked_app, [event(path="/" + "p" * 1500)])
    assert response.status_code == 413 and "1024 bytes" in response.json()["detail"]
    assert collector.batch(tracked_app, [event(path="/p")]).json()["accepted"] == 1


def test_resent_batch_is_all_duplicates(collector, tracked_app):
    events = [event() for _ in range(20)]
    assert collector.batch(tracked_app, events).json()["accepted"] == 20
    again = collector.batch(tracked_app, events, timestamp=int(time.time()) - 5).json()
    assert again == {"accepted": 0, "duplicates": 20, "quarantined": 0, "rejected": []}
