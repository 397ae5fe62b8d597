"""The single entry point of the Dagster code location: ``dagster dev -m orchestration.definitions``
(``saas-tracker orchestrate`` runs the webserver and daemon on it).

Lineage: collector -> raw events -> staging -> intermediate -> marts -> api_ models ->
metrics API and billing exports. Definitions are built lazily (``@definitions``), when
Dagster loads the code location, never at import time.
"""

from __future__ import annotations

from dagster import Definitions, definitions

from orchestration.defs.automation.schedules import build_schedules
from orchestration.defs.automation.sensors import build_sensors
from orchestration.defs.checks.gx import build_gx_checks
from orchestration.defs.checks.reconciliation import build_reconciliation_checks
from orchestration.defs.dbt.assets import build_dbt_assets, load_manifest
from orchestration.defs.dbt.environment import dbt_executable
from orchestration.defs.dbt.project import dbt_project, project_var
from orchestration.defs.dbt.resource import TrackerDbtCliResource
from orchestration.defs.dbt.selection import model_sets
from orchestration.defs.jobs.asset_jobs import build_asset_jobs
from orchestration.defs.jobs.deletion import deletion_request
from orchestration.defs.jobs.quarantine_alert import quarantine_alert
from orchestration.defs.jobs.retention import retention_enforcement
from orchestration.defs.partitions import daily_partitions
from orchestration.defs.raw.assets import build_raw_events, collector, quarantine
from orchestration.defs.serving.billing_exports import build_billing_exports
from orchestration.defs.serving.metrics_api import metrics_api_spec
from orchestration.defs.serving.plan_usage import build_plan_usage_evaluation
from orchestration.settings import OrchestrationSettings


def build_definitions(settings: OrchestrationSettings | None = None) -> Definitions:
    settings = settings or OrchestrationSettings()
    project = dbt_project()
    manifest = load_manifest(project)
    partitions = daily_partitions(settings)
    dbt_assets = build_dbt_assets(project, partitions)
    api_models = [key for assets in dbt_assets for key in assets.keys if key.path[0] == "api"]
    jobs = build_asset_jobs()
    return Definitions(
        assets=[
            collector,
            quarantine,
            build_raw_events(partitions),
            *dbt_assets,
            metrics_api_spec(api_models),
            build_billing_exports(partitions, settings),
            build_plan_usage_evaluation(partitions),
        ],
        asset_checks=[
            *build_gx_checks(partitions, model_sets(manifest).daily),
            *build_reconciliation_checks(
                partitions,
                dedup_days=int(project_var(project, "tracker__dedup_window_days")),
                meters=project_var(project, "tracker__meters"),
            ),
        ],
        jobs=[*jobs.values(), deletion_request, retention_enforcement, quarantine_alert],
        schedules=build_schedules(jobs["refresh"], jobs["observe_raw_events"], retention_enforcement, settings),
        sensors=build_sensors(jobs["feature_backfill"], quarantine_alert, settings),
        resources={"dbt": TrackerDbtCliResource(project_dir=project, dbt_executable=dbt_executable())},
    )


@definitions
def defs() -> Definitions:
    return build_definitions()
