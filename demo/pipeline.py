"""Load a workload into the demo company, then materialize every asset over its days.

Shared by `make demo` (demo/run.py) and the demo-vs-API test. Running it twice
with the same workload sends nothing the second time (the state file records
what is loaded); a different workload first removes the company's raw events, and
the rebuild then also covers the previous workload's days, so none of its rows
survive in the models.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date, timedelta
from pathlib import Path

from demo import load, setup, workload
from demo.materialize import Materialization, materialize
from saas_tracker.clickhouse import get_client

# The SDK logs one warning per rejected event; the demo sends 200 on purpose.
logging.getLogger("saas_tracker_sdk").setLevel(logging.ERROR)


def forget_events(company_id: str) -> None:
    """Remove the demo company's raw events before a different workload replaces them."""
    for table in ("events", "events_quarantine"):
        get_client().command(
            f"ALTER TABLE tracker_raw.{table} DELETE WHERE company_id = {{c:UUID}} SETTINGS mutations_sync = 1",
            parameters={"c": company_id},
        )


def load_and_build(
    tenant: setup.DemoTenant,
    endpoint: str,
    demo_dir: Path,
    *,
    seed: int = 42,
    orgs: int = 300,
    days: int = 60,
    volume: float = 1.0,
    end: date | None = None,
    log: Path | None = None,
) -> tuple[dict, Materialization]:
    """Generate the workload, send it (unless already loaded), materialize everything.

    Returns the answer key and what Dagster did; ``log`` takes Dagster's and dbt's output.
    """
    t0 = time.monotonic()
    work = workload.generate(seed=seed, orgs=orgs, days=days, end=end, volume=volume)
    key = work.answer_key
    signature = {k: key[k] for k in ("generator_version", "seed", "orgs", "days", "volume", "end")}
    (demo_dir / "answer_key.json").write_text(json.dumps(key, indent=2))
    sent = sum(map(len, work.events.values())) + sum(map(len, work.late.values()))
    print(
        f"workload: {orgs} organizations, {work.start} to {work.end}, {sent:,} events "
        f"(seed {seed}; generated in {time.monotonic() - t0:.1f} s)"
    )
    state = demo_dir / "credentials.json"
    previous = setup.loaded_signature(state)
    first_day, last_day = work.start, work.end
    if previous == signature:
        print("this workload is already loaded: not sending it again")
    else:
        if previous is not None:
            print(f"replacing the previously loaded workload {previous}")
            forget_events(tenant.company_id)
            # The models keep the old workload's days until those days are rebuilt from raw.
            old_end = date.fromisoformat(previous["end"])
            first_day = min(first_day, old_end - timedelta(days=int(previous["days"]) - 1))
            last_day = max(last_day, old_end)
        t0 = time.monotonic()
        verdicts = load.send_workload(tenant, work, endpoint)
        elapsed = time.monotonic() - t0
        print(
            f"sent through the collector in {elapsed:.1f} s ({sent / elapsed:,.0f} events/s): "
            + ", ".join(
                f"{k} {verdicts[k]:,}"
                for k in ("accepted", "duplicates", "quarantined", "rejected", "failed", "dropped")
            )
        )
        stored = load.wait_for_raw(tenant.company_id, key["expected"]["stored_events"])
        print(
            f"tracker_raw.events holds {stored:,} rows for the demo company "
            f"(answer key: {key['expected']['stored_events']:,} unique events)"
        )
        setup.mark_loaded(state, signature)
    where = f" (log: {log})" if log else ""
    print(f"materializing every asset and check through Dagster over {first_day}..{last_day}{where} ...")
    report = materialize(first_day, last_day, log=log)
    print(report.describe())
    return key, report
