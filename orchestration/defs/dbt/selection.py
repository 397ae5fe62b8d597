"""Which dbt models go into which @dbt_assets set, worked out from the manifest.

- daily: incremental models. They are partitioned by day (or month) and rebuild the
  day range a run passes, so they are Dagster's daily-partitioned assets.
- control: non-incremental models the daily ones read (views over the control plane).
  Unpartitioned, and upstream of the daily set.
- current: everything else (current-state tables rebuilt whole, api_ views).
  Unpartitioned, downstream of the daily set.

Three sets rather than two because the unpartitioned models sit on both sides of the
partitioned ones; one op for both would depend on itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelSets:
    control: tuple[str, ...]
    daily: tuple[str, ...]
    current: tuple[str, ...]

    @staticmethod
    def select(names: tuple[str, ...]) -> str:
        """A dbt --select string naming exactly these models."""
        return " ".join(names)


def _ancestors(unique_ids: set[str], parent_map: Mapping[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(unique_ids)
    while stack:
        for parent in parent_map.get(stack.pop(), []):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def model_sets(manifest: Mapping[str, Any]) -> ModelSets:
    project = manifest["metadata"]["project_name"]
    models = {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["package_name"] == project
        and node["config"].get("materialized") != "ephemeral"
    }
    daily = {uid for uid, node in models.items() if node["config"].get("materialized") == "incremental"}
    control = (_ancestors(daily, manifest["parent_map"]) & models.keys()) - daily
    # A model between two daily models would need running in the middle of the daily op.
    tangled = sorted(models[uid]["name"] for uid in control if _ancestors({uid}, manifest["parent_map"]) & daily)
    if tangled:
        raise ValueError(f"non-incremental models both read and feed incremental ones: {tangled}")
    current = models.keys() - daily - control

    def names(ids: set[str]) -> tuple[str, ...]:
        return tuple(sorted(models[uid]["name"] for uid in ids))

    return ModelSets(control=names(control), daily=names(daily), current=names(current))
