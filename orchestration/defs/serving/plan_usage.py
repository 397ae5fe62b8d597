"""Plan-usage evaluation: which companies exceed their plan this month, and which
should move to another plan.

Limits are evaluated by the models (fct_plan_usage_monthly), never at ingest: production
traffic is never blocked by a plan. This asset turns the model's verdicts into something
an operator or customer-success tool sees: a log line per company over a limit and a
table in the asset's metadata.
"""

# No `from __future__ import annotations`: Dagster reads the context type from the annotations.

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    DailyPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.partitions import SINGLE_RUN, partition_days
from orchestration.defs.serving.billing_exports import months
from orchestration.defs.warehouse import PLAN_USAGE_EVALUATION, database, model_key
from saas_tracker.clickhouse import get_client


def evaluate(first_month, last_month) -> list[dict]:
    rows = (
        get_client()
        .query(
            "SELECT toString(company_id) AS company, usage_month, plan_key, event_count, events_limit, overage_events, "
            "toFloat64(overage_cost) AS overage_cost, currency, is_over_events_limit, is_over_applications_limit, "
            "suggested_plan_key, is_plan_change_suggested "
            "FROM {db:Identifier}.fct_plan_usage_monthly "
            "WHERE usage_month BETWEEN {first:Date} AND {last:Date} "
            "AND (is_over_events_limit OR is_over_applications_limit OR is_plan_change_suggested) "
            "ORDER BY company_id, usage_month",
            parameters={"db": database("marts"), "first": first_month, "last": last_month},
        )
        .named_results()
    )
    return list(rows)


def _markdown(findings: list[dict]) -> str:
    lines = ["| company | month | plan | events | limit | overage | suggested |", "|---|---|---|---|---|---|---|"]
    for f in findings[:50]:
        lines.append(
            f"| {f['company']} | {f['usage_month']:%Y-%m} | {f['plan_key']} | {f['event_count']} | "
            f"{f['events_limit'] if f['events_limit'] is not None else 'unlimited'} | {f['overage_events']} | "
            f"{f['suggested_plan_key'] if f['is_plan_change_suggested'] else ''} |"
        )
    return "\n".join(lines)


def build_plan_usage_evaluation(partitions: DailyPartitionsDefinition) -> AssetsDefinition:
    @asset(
        key=PLAN_USAGE_EVALUATION,
        deps=[model_key("marts", "fct_plan_usage_monthly")],
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        group_name="exports",
        description="Companies over a plan limit, or on a plan that no longer fits, in the months of the run.",
    )
    def plan_usage_evaluation(context: AssetExecutionContext) -> MaterializeResult:
        start, end = partition_days(context)
        periods = months(start, end)
        findings = evaluate(periods[0], periods[-1])
        for f in findings:
            if f["is_over_events_limit"] or f["is_over_applications_limit"]:
                context.log.warning(
                    f"company {f['company']} is over its {f['plan_key']} plan in {f['usage_month']:%Y-%m}: "
                    f"{f['event_count']} events, {f['overage_events']} over the limit"
                )
        return MaterializeResult(
            metadata={
                "over_events_limit": sum(bool(f["is_over_events_limit"]) for f in findings),
                "over_applications_limit": sum(bool(f["is_over_applications_limit"]) for f in findings),
                "plan_change_suggested": sum(bool(f["is_plan_change_suggested"]) for f in findings),
                "findings": MetadataValue.md(_markdown(findings)),
            }
        )

    return plan_usage_evaluation
