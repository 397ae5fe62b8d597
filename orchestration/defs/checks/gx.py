"""Each Great Expectations suite in data_tests/ as an asset check on its mart.

Checks of daily-partitioned marts validate the rows of the run's partition range (for
monthly marts, of the months it touches); checks of current-state marts validate the
whole table. A suite marked blocking stops the assets downstream of its mart in the same
run, the billing exports among them.
"""

# No `from __future__ import annotations`: Dagster reads the context type from the annotations.

from collections.abc import Collection

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    DailyPartitionsDefinition,
    asset_check,
)

from data_tests.suite import MartSuite
from data_tests.suites import SUITES
from orchestration.defs.partitions import partition_days
from orchestration.defs.warehouse import model_key

CHECK_NAME = "great_expectations"


def _gx_check(suite: MartSuite, partitions: DailyPartitionsDefinition | None) -> AssetChecksDefinition:
    @asset_check(
        asset=model_key(suite.layer, suite.model),
        name=CHECK_NAME,
        description=suite.description,
        blocking=suite.blocking,
        partitions_def=partitions,
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        from data_tests.runner import run_suite  # pandas and GX load only when a check runs

        start, end = partition_days(context) if partitions is not None else (None, None)
        outcome = run_suite(suite, start, end)
        scope = f"{start}..{end}" if start else "whole table"
        return AssetCheckResult(
            passed=outcome.success,
            metadata={
                "scope": scope,
                "rows": outcome.rows,
                "expectations": outcome.evaluated,
                "failed": [failure.describe() for failure in outcome.failures],
            },
            description=(
                f"{len(outcome.failures)} of {outcome.evaluated} expectations failed on {outcome.rows} rows ({scope}): "
                + "; ".join(failure.describe() for failure in outcome.failures[:3])
                if outcome.failures
                else f"{outcome.evaluated} expectations passed on {outcome.rows} rows ({scope})"
            ),
        )

    return _check


def build_gx_checks(
    partitions: DailyPartitionsDefinition, daily_models: Collection[str]
) -> list[AssetChecksDefinition]:
    checks = []
    for suite in SUITES.values():
        partitioned = suite.model in daily_models
        if partitioned and suite.partition_column is None:
            raise ValueError(f"data_tests suite {suite.model}: a daily-partitioned mart needs a partition_column")
        checks.append(_gx_check(suite, partitions if partitioned else None))
    return checks
