"""Load a workload into the demo company, then materialize every asset over its days.

Shared by `make demo` (demo/run.py) and the demo-vs-API test. Running it twice
with the same workload sends nothing the second time (the state file records
what is loaded); a different workload first removes the company's rows, raw and
modelled.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date
from pathlib import Path

from demo import load, setup, workload
from demo.materialize import Materialization, materialize

# The SDK logs one warning per rejected event; the demo sends 200 on purpose.
logging.getLogger("saas_tracker_sdk").setLevel(logging.ERROR)


def forget_events(company_id: str) -> None:
    """Remove every row of the demo company, raw and modelled, before a different workload replaces it.

    From the model tables too: a rebuild replaces only the days for which it produces rows,
    so a day the new workload leaves empty would otherwise keep the old workload's rows.
    """
    from orchestration.defs.jobs import erasure

    where, parameters = "company_id = {c:UUID}", {"c": company_id}
    for table in ("tracker_raw.events", "tracker_raw.events_quarantine"):
        erasure.delete(table, where, parameters)
    for table in erasure.model_tables("company_id"):
        erasure.delete(table.qualified, where, parameters)


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
    if previous == signature:
        print("this workload is already loaded: not sending it again")
    else:
        if previous is not None:
            print(f"replacing the previously loaded workload {previous}")
            forget_events(tenant.company_id)
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
    print(f"materializing every asset and check through Dagster over {work.start}..{work.end}{where} ...")
    report = materialize(work.start, work.end, log=log)
    print(report.describe())
    return key, report
