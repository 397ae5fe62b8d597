"""The demo workload: reproducible, shaped like its lifecycles, consistent with its answer key
and with the feature definitions the demo creates. Pure Python (no warehouse)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from demo import catalog, workload

END = date(2026, 3, 31)
# Noon of the day after END: the clock the workload is generated against.
NOW = datetime(2026, 4, 1, 12, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def work():
    return workload.generate(seed=7, orgs=60, days=60, end=END, now=NOW, volume=0.4)


def _all(w):
    return [e for group in (w.events, w.late) for events in group.values() for e in events]


def test_same_seed_same_events_and_answer_key(work):
    again = workload.generate(seed=7, orgs=60, days=60, end=END, now=NOW, volume=0.4)
    assert again.answer_key == work.answer_key
    assert again.events == work.events and again.late == work.late
    other = workload.generate(seed=8, orgs=60, days=60, end=END, now=NOW, volume=0.4)
    assert other.answer_key["organizations"] != work.answer_key["organizations"]


def _valid(w) -> dict[str, dict]:
    """The organizations' session events by id; the invalid and too-old ones (which carry
    no session) are timed relative to the clock, so they are left out."""
    return {e["event_id"]: e for e in _all(w) if "session_id" in e}


def test_the_time_of_day_only_drops_events_that_have_not_happened(work):
    noon = datetime.combine(END, datetime.min.time(), UTC).timestamp() + 12 * 3600
    earlier = workload.generate(seed=7, orgs=60, days=60, end=END, now=noon, volume=0.4)
    before, after = _valid(earlier), _valid(work)
    # Everything already there at noon is there, unchanged, a day later ...
    assert before.items() <= after.items()
    # ... and the only events added since are those of the last day after noon.
    assert max(e["ts"] for e in before.values()) <= noon - 60
    added = [after[i] for i in after.keys() - before.keys()]
    assert added and all(noon - 60 < e["ts"] < noon + 12 * 3600 for e in added)
    # Which events arrive late or twice does not depend on the clock either.
    assert {e["event_id"] for e in _all_late(earlier)} == {e["event_id"] for e in _all_late(work)} & before.keys()
    assert earlier.answer_key["lifecycles"] == work.answer_key["lifecycles"]


def _all_late(w):
    return [e for events in w.late.values() for e in events]


def test_answer_key_counts_match_the_events(work):
    key = work.answer_key
    events = _all(work)
    ids = Counter(e["event_id"] for e in events)
    invalid = workload.INVALID_EVENTS + workload.QUARANTINED_EVENTS
    assert len(ids) == key["expected"]["stored_events"] + invalid
    assert sum(n - 1 for n in ids.values()) == key["expected"]["duplicates_sent"] > 0
    assert key["expected"]["late_events"] == sum(map(len, work.late.values())) > 0
    assert sum(key["lifecycles"].values()) == 60
    orgs = {o["customer_org_id"]: o for o in key["organizations"]}
    assert set(key["declining_or_churned"]) == {
        org for org, o in orgs.items() if o["lifecycle"] in ("declining", "churned")
    }


def test_valid_events_fall_in_the_window_and_the_backfill_window(work):
    start = datetime.combine(work.start, datetime.min.time(), UTC).timestamp()
    end = datetime.combine(END + timedelta(days=1), datetime.min.time(), UTC).timestamp()
    valid = [e for e in _all(work) if e["customer_org_id"] and e["environment"] == "production" and e["ts"] < end]
    old = [e for e in valid if e["ts"] < start]
    assert len(old) == workload.QUARANTINED_EVENTS
    assert all(start <= e["ts"] < end for e in valid if e not in old)
    assert catalog.BACKFILL_WINDOW_DAYS > 60 + 5


def test_lifecycles_shape_activity(work):
    key = work.answer_key
    last_day = datetime.combine(END, datetime.min.time(), UTC).timestamp() + 86400
    recent, before = Counter(), Counter()
    for e in _all(work):
        age_days = (last_day - e["ts"]) / 86400
        if 0 <= age_days < 28:
            recent[e["customer_org_id"]] += 1
        elif 28 <= age_days < 56:
            before[e["customer_org_id"]] += 1
    for org in key["organizations"]:
        org_id = org["customer_org_id"]
        if org["lifecycle"] == "churned" and org["churn_day"] <= 30:
            assert recent[org_id] == 0, org
        if org["lifecycle"] == "declining" and org["decline_day"] <= 20:
            assert recent[org_id] < 0.6 * before[org_id], org
        if org["lifecycle"] == "growing":
            assert recent[org_id] > before[org_id], org
        if org["lifecycle"] == "new_trial":
            assert before[org_id] == 0 and org["plan"] == "trial", org


def test_feature_events_match_the_feature_definitions(work):
    specs = catalog.feature_specs({"web": "w", "mobile": "m"})
    app_of = {"w": "web", "m": "mobile"}
    used = Counter()
    for app, events in work.events.items():
        for e in events:
            for spec in specs:
                if spec.get("app_id") and app_of[spec["app_id"]] != app:
                    continue
                if e["event"] in spec.get("events", []) or (
                    spec.get("path_prefix") and (e.get("path") or "").startswith(spec["path_prefix"])
                ):
                    used[spec["key"]] += 1
    # Every defined feature is used by someone, and adoption differs between features.
    assert set(used) == {f.key for f in catalog.FEATURES}
    adopters = Counter(f for o in work.answer_key["organizations"] for f in o["features"])
    assert adopters["dashboards"] > adopters["reports"] > adopters["api_access"] > adopters["sso"]
