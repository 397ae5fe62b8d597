"""Materialize every asset and run every check through Dagster, as an operator's backfill would.

The runs execute in this process but are recorded in the demo's Dagster instance
(``<TRACKER_DATA_DIR>/dagster``, the one `saas-tracker orchestrate` serves), so the
Dagster UI shows them afterwards with their materializations, check results and logs.
Two runs, each over the whole day range at once (the partitioned assets' single-run
backfill policy): ``observe_raw_events`` counts the raw events per day, then ``refresh``
builds every dbt model, evaluates the dbt tests, Great Expectations suites and
reconciliations, writes the billing exports and evaluates plan usage.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration.defs.partitions import range_tags
from orchestration.settings import OrchestrationSettings


@dataclass
class Materialization:
    """What the two runs did, for the demo's summary."""

    run_ids: list[str] = field(default_factory=list)
    assets: set[str] = field(default_factory=set)
    partitions: int = 0  # asset partitions written (a partitioned asset counts once per day)
    checks_passed: int = 0
    failed_checks: dict[str, str] = field(default_factory=dict)
    failed_steps: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed_checks and not self.failed_steps

    def describe(self) -> str:
        checks = self.checks_passed + len(self.failed_checks)
        line = (
            f"Dagster materialized {len(self.assets)} assets ({self.partitions} asset partitions) "
            f"and evaluated {checks} checks "
            f"({self.checks_passed} passed) in {self.seconds:.1f} s: runs {', '.join(self.run_ids)}"
        )
        problems = [f"  check failed: {name}: {why}" for name, why in sorted(self.failed_checks.items())]
        problems += [f"  step failed: {step}" for step in self.failed_steps]
        return "\n".join([line, *problems])


def _record(result, report: Materialization) -> None:
    report.run_ids.append(result.run_id)
    for event in result.all_events:
        kind = event.event_type_value
        if kind == "ASSET_MATERIALIZATION":
            report.assets.add(event.event_specific_data.materialization.asset_key.to_user_string())
            report.partitions += 1
        elif kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if data.passed:
                report.checks_passed += 1
            else:
                name = f"{data.asset_key.to_user_string()}:{data.check_name}"
                report.failed_checks[name] = data.description or "failed"
        elif kind == "STEP_FAILURE":
            report.failed_steps.append(event.step_key)


@contextlib.contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Send this process's stdout and stderr to ``log`` for a while.

    At the file-descriptor level: Dagster's console logger and dagster-dbt's echo of
    dbt's output (thousands of lines for a 60-day build) write there, not only through
    ``sys.stdout``. The UI keeps the same logs per run.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def materialize(
    start: date, end: date, settings: OrchestrationSettings | None = None, log: Path | None = None
) -> Materialization:
    """Observe and refresh the days ``start``..``end`` (inclusive) through Dagster.

    With ``log``, Dagster's and dbt's output goes to that file instead of the terminal.
    """
    # Imported here: loading Dagster and the definitions takes seconds, and only this step needs them.
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions
    from orchestration.instance import prepare_home

    settings = settings or OrchestrationSettings()
    began = time.monotonic()
    report = Materialization()
    quiet = _output_to(log) if log else contextlib.nullcontext()
    with quiet, DagsterInstance.from_config(str(prepare_home(settings))) as instance:
        definitions = build_definitions(settings)
        for job in ("observe_raw_events", "refresh"):
            result = definitions.resolve_job_def(job).execute_in_process(
                instance=instance,
                tags={**range_tags(start, end), "launched_by": "make demo"},
                raise_on_error=False,
            )
            _record(result, report)
    report.seconds = time.monotonic() - began
    return report
