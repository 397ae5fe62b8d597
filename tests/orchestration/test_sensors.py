"""The sensors, evaluated the way the daemon evaluates them, and the run the quarantine
sensor launches."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, build_sensor_context

from orchestration.defs.partitions import RANGE_END_TAG, RANGE_START_TAG
from saas_tracker.clickhouse import get_client
from saas_tracker.control import features
from saas_tracker.raw_events import QUARANTINE_COLUMNS
from tests.orchestration.world import ACTOR


def evaluate(defs, name: str, cursor: str | None):
    sensor = defs.resolve_sensor_def(name)
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(cursor=cursor, instance=instance, repository_def=defs.get_repository_def())
        return sensor.evaluate_tick(context)


def test_a_feature_definition_change_backfills_adoption_and_health_from_its_first_day(defs, world, orchestration_env):
    first = evaluate(defs, "feature_definitions_changed", None)
    assert not first.run_requests and first.cursor  # starts watching, rebuilds nothing
    assert not evaluate(defs, "feature_definitions_changed", first.cursor).run_requests

    acme = world.tenants[0]
    valid_from = world.days[2]
    features.create_feature(
        acme.company_id,
        {"key": f"settings-{uuid.uuid4().hex[:6]}", "path_prefix": "/settings", "valid_from": valid_from},
        actor=ACTOR,
    )
    changed = evaluate(defs, "feature_definitions_changed", first.cursor)
    [request] = changed.run_requests
    today = datetime.now(UTC).date()
    assert request.job_name in (None, "feature_backfill")
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (str(valid_from), str(today))
    # A change to a feature counted since always reaches back to the first partition.
    features.update_feature(
        acme.company_id, {"key": "reports", "events": ["report_viewed", "report_shared"]}, actor=ACTOR
    )
    [again] = evaluate(defs, "feature_definitions_changed", changed.cursor).run_requests
    assert again.tags[RANGE_START_TAG] == str(orchestration_env.start_date)
    assert int(evaluate(defs, "feature_definitions_changed", None).cursor) >= int(changed.cursor)


def _quarantine(row: list, reason: str) -> None:
    columns = list(QUARANTINE_COLUMNS)
    get_client().insert(
        "tracker_raw.events_quarantine",
        [[*row, reason, datetime.now(UTC), "quarantined", time.time_ns()]],
        column_names=columns,
    )


def test_a_growing_quarantine_launches_a_run_that_fails_and_says_why(defs, world):
    baseline = evaluate(defs, "quarantine_growing", None)
    held = int(baseline.cursor)
    assert not evaluate(defs, "quarantine_growing", baseline.cursor).run_requests

    acme = world.tenants[0]
    old = datetime.now(UTC) - timedelta(days=60)
    row = [acme.company_id, acme.app_id, uuid.uuid4(), "login", old, "client", datetime.now(UTC), "org-1",
           acme.users["org-1"][1], "", "/", "production", "pro", 365]  # fmt: skip
    _quarantine(row, "older_than_backfill_window")
    grown = evaluate(defs, "quarantine_growing", baseline.cursor)
    [request] = grown.run_requests
    assert int(grown.cursor) == held + 1

    result = defs.resolve_job_def("quarantine_alert").execute_in_process(
        run_config=request.run_config, raise_on_error=False
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.event_specific_data.error.message
    assert f"grew by 1 events (from {held} to {held + 1}" in message
    assert "saas-tracker quarantine" in message
    breakdown = request.run_config["ops"]["report_quarantine_growth"]["config"]["breakdown"]
    assert any(str(acme.company_id) in line and "older_than_backfill_window" in line for line in breakdown)
