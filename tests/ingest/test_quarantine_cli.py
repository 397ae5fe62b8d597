"""`saas-tracker quarantine list|replay|discard` on events the collector held back."""

from __future__ import annotations

import json
import time

from click.testing import CliRunner

from saas_tracker.cli import main
from tests.ingest.support import event, stored_event_ids


def run(*args: str) -> dict:
    result = CliRunner().invoke(main, ["quarantine", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def quarantine(collector, app, n: int) -> list[str]:
    old = [event(ts_epoch=time.time() - 40 * 86_400) for _ in range(n)]
    assert collector.batch(app, old).json()["quarantined"] == n
    collector.wait_loaded()
    return sorted(e["event_id"] for e in old)


def test_list_replay_and_discard(collector, make_app, ch):
    app, other = make_app(), make_app()
    held = quarantine(collector, app, 3)
    quarantine(collector, other, 2)

    listed = run("list", "--company", app.company_id)
    assert listed["total"] == 3
    assert sorted(e["event_id"] for e in listed["events"]) == held
    assert {e["reason"] for e in listed["events"]} == {"older_than_backfill_window"}

    assert run("discard", "--company", app.company_id, "--event-id", held[0]) == {"discarded": 1}
    assert run("replay", "--company", app.company_id) == {"replayed": 2}
    assert sorted(stored_event_ids(ch, app)) == held[1:]
    assert stored_event_ids(ch, other) == []  # another tenant's quarantine is untouched

    # Replaying again finds nothing left; statuses are visible with --status all.
    assert run("replay", "--company", app.company_id) == {"replayed": 0}
    listed = run("list", "--company", app.company_id, "--status", "all")["events"]
    statuses = {e["event_id"]: e["status"] for e in listed}
    assert statuses == {held[0]: "discarded", held[1]: "replayed", held[2]: "replayed"}
    assert sorted(stored_event_ids(ch, app)) == held[1:]


def test_replay_needs_a_selection():
    result = CliRunner().invoke(main, ["quarantine", "replay"])
    assert result.exit_code == 2
    assert "--company" in result.output


def test_text_output(collector, tracked_app):
    quarantine(collector, tracked_app, 1)
    result = CliRunner().invoke(main, ["quarantine", "list", "--app", tracked_app.app_id])
    assert result.exit_code == 0
    assert "1 of 1 event(s)" in result.output
