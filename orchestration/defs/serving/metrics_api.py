"""The metrics API (metrics_api/) as an external asset: it reads the api_ models live, so
Dagster only shows it in the lineage; there is nothing to materialize."""

from __future__ import annotations

from collections.abc import Iterable

from dagster import AssetKey, AssetSpec

from orchestration.defs.warehouse import METRICS_API


def metrics_api_spec(api_models: Iterable[AssetKey]) -> AssetSpec:
    return AssetSpec(
        METRICS_API,
        deps=sorted(api_models, key=lambda key: key.to_user_string()),
        group_name="serving",
        kinds={"fastapi"},
        description="The metrics API: tenant-scoped reads of the api_ models (dashboards, CRM syncs, invoicing).",
    )
