"""Asset keys and groups from the dbt project's layout.

A model's key is ``[<folder>, <model name>]`` and its group the folder (staging,
intermediate, marts, api), so the Dagster UI shows the same layers as ``dbt_project/models``.
Sources are named after what they hold: ``raw/events`` (the collector's table) and
``control/<view>`` (the control plane), the keys the rest of the definitions use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

# dbt source name -> (asset key prefix, group)
SOURCE_PREFIXES = {"tracker_raw": "raw", "tracker_control": "control"}


def model_layer(props: Mapping[str, Any]) -> str:
    """The models/ sub-folder a node lives in (fqn: [project, folder, ..., name])."""
    fqn = props.get("fqn") or []
    return fqn[1] if len(fqn) > 2 else "models"


class TrackerDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            prefix = SOURCE_PREFIXES.get(dbt_resource_props["source_name"], dbt_resource_props["source_name"])
            return AssetKey([prefix, dbt_resource_props["name"]])
        return AssetKey([model_layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return SOURCE_PREFIXES.get(dbt_resource_props["source_name"], dbt_resource_props["source_name"])
        return model_layer(dbt_resource_props)
