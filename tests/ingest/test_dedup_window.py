"""The duplicate window: at least `window` seconds, at most twice that, bounded in entries."""

from __future__ import annotations

from ingest_api.dedup import RecentEvents


def test_ids_are_remembered_for_at_least_the_window_and_forgotten_after_two():
    recent = RecentEvents(window_seconds=10, max_entries=1000)
    recent.remember("app", ["a"], now=0)
    recent.remember("app", ["b"], now=9)
    assert recent.seen("app", "a") and recent.seen("app", "b")
    assert not recent.seen("other-app", "a")  # per application
    recent.remember("app", ["c"], now=10)  # a new generation starts; a and b are still known
    assert recent.seen("app", "a")
    recent.remember("app", ["d"], now=20)  # a and b are 20 s old: forgotten
    assert not recent.seen("app", "a") and recent.seen("app", "c")


def test_the_entry_cap_bounds_memory():
    recent = RecentEvents(window_seconds=3600, max_entries=4)
    for i in range(10):
        recent.remember("app", [f"id-{i}"], now=i)
    assert len(recent) <= 4
    assert recent.seen("app", "id-9")


def test_a_zero_window_disables_it():
    recent = RecentEvents(window_seconds=0, max_entries=1000)
    recent.remember("app", ["a"], now=0)
    assert not recent.seen("app", "a")
