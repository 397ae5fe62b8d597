"""Billing exports: the billable usage of every month a run touches, as files for
invoicing tools, checked against the mart they come from.

Blocking checks upstream (billable usage and plan usage suites, the reconciliations)
keep this asset from running when the numbers are wrong: a bad invoice is worse than a
late one.
"""

# No `from __future__ import annotations`: Dagster reads the context type from the annotations.

from collections.abc import Iterator
from datetime import date

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    DailyPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.partitions import SINGLE_RUN, partition_days
from orchestration.defs.serving.billing_files import read_totals, write_period
from orchestration.defs.warehouse import BILLING_EXPORTS, database, model_key
from orchestration.settings import OrchestrationSettings
from saas_tracker.clickhouse import get_client

TOTALS_CHECK = "totals_match_mart"


def months(start: date, end: date) -> list[date]:
    """First days of the calendar months [start, end] touches."""
    result, month = [], start.replace(day=1)
    while month <= end:
        result.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return result


def billed_companies(period: date) -> list:
    """Companies with billable usage in the period."""
    rows = get_client().query(
        "SELECT DISTINCT company_id FROM {db:Identifier}.api_billable_usage_monthly "
        "WHERE period_start = {period:Date} ORDER BY company_id",
        parameters={"db": database("api"), "period": period},
    )
    return [company_id for (company_id,) in rows.result_rows]


def mart_totals(period: date) -> dict[tuple[str, str], int]:
    """(company_id, meter_key) -> quantity in the billable usage mart."""
    rows = get_client().query(
        "SELECT toString(company_id), meter_key, sum(quantity) "
        "FROM {db:Identifier}.fct_billable_usage_monthly WHERE period_start = {period:Date} "
        "GROUP BY company_id, meter_key",
        parameters={"db": database("marts"), "period": period},
    )
    return {(company, meter): int(quantity) for company, meter, quantity in rows.result_rows}


def compare(period: date, exported: dict, expected: dict) -> list[str]:
    problems = []
    for key in sorted(exported.keys() | expected.keys()):
        if exported.get(key, 0) != expected.get(key, 0):
            company, meter = key
            problems.append(
                f"{period:%Y-%m} company {company} meter {meter}: "
                f"exported {exported.get(key, 0)}, mart {expected.get(key, 0)}"
            )
    return problems


def build_billing_exports(partitions: DailyPartitionsDefinition, settings: OrchestrationSettings) -> AssetsDefinition:
    @asset(
        key=BILLING_EXPORTS,
        deps=[model_key("api", "api_billable_usage_monthly")],
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        group_name="exports",
        kinds={"csv"},
        check_specs=[
            AssetCheckSpec(
                TOTALS_CHECK,
                asset=BILLING_EXPORTS,
                description="Per company, month and meter, the exported quantities add up to the mart's.",
            )
        ],
        description=(
            "The metrics API's billing export (CSV + manifest) per company and calendar month, as files "
            "(<exports>/billing/<YYYY-MM>/<company_id>/), rewritten for every month the run touches."
        ),
    )
    def billing_exports(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
        root = settings.exports_root()
        start, end = partition_days(context)
        files, problems = [], []
        for period in months(start, end):
            files += write_period(root, period, billed_companies(period))
            problems += compare(period, read_totals(root, period), mart_totals(period))
        yield MaterializeResult(
            metadata={
                "directory": MetadataValue.path(str(root / "billing")),
                "periods": [f"{m:%Y-%m}" for m in months(start, end)],
                "files": len(files),
                "rows": sum(f.rows for f in files),
            },
            check_results=[
                AssetCheckResult(
                    check_name=TOTALS_CHECK,
                    passed=not problems,
                    metadata={"mismatches": len(problems), "details": problems[:20]},
                    description="; ".join(problems[:5]) or "every exported total equals the mart's",
                )
            ],
        )

    return billing_exports
