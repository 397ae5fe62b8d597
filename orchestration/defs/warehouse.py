"""What the orchestration code shares about the warehouse: database names, the pool of
ops that rewrite tables, and asset keys used across domains."""

from __future__ import annotations

from dagster import AssetKey

from data_tests.runner import database

__all__ = ["RAW_DATABASE", "CONTROL_DATABASE", "WAREHOUSE_POOL", "database", "model_key"]

# Migrations 0001 and 0002 create these (DESIGN.md section 3).
RAW_DATABASE = "tracker_raw"
CONTROL_DATABASE = "tracker_control"

# Ops that rewrite warehouse tables share this concurrency pool; dagster.yaml lets one of
# them run at a time (two runs replacing the same day partitions would race).
WAREHOUSE_POOL = "warehouse_writer"

COLLECTOR = AssetKey(["ingest", "collector"])
RAW_EVENTS = AssetKey(["raw", "events"])
QUARANTINE = AssetKey(["raw", "events_quarantine"])
METRICS_API = AssetKey(["serving", "metrics_api"])
BILLING_EXPORTS = AssetKey(["exports", "billing_exports"])
PLAN_USAGE_EVALUATION = AssetKey(["exports", "plan_usage_evaluation"])


def model_key(layer: str, name: str) -> AssetKey:
    """A dbt model's asset key (see dbt/translator.py)."""
    return AssetKey([layer, name])
