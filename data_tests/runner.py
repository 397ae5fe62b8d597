"""Validate one mart's suite against the rows of a partition range.

The rows come from ClickHouse through the project's one client factory
(``saas_tracker.clickhouse``), tenant first in the sort order; GX validates them as a
pandas dataframe and the result is condensed into a :class:`SuiteOutcome`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from data_tests.suite import LAYERS, MartSuite, Reference, RunContext
from saas_tracker.clickhouse import get_client
from saas_tracker.dbt import DbtSettings

# Unexpected values kept per failed expectation (in check metadata and error messages).
SAMPLE = 5


@dataclass(frozen=True)
class Failure:
    expectation: str
    column: str
    unexpected_count: int | None
    sample: list[Any]

    def describe(self) -> str:
        count = "" if self.unexpected_count is None else f" ({self.unexpected_count} rows)"
        return f"{self.expectation} on {self.column}{count}: e.g. {self.sample}"


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    rows: int
    evaluated: int
    failures: list[Failure] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.failures


def database(layer_or_database: str, dbt: DbtSettings | None = None) -> str:
    if layer_or_database in LAYERS:
        return f"{(dbt or DbtSettings()).schema_name}_{layer_or_database}"
    return layer_or_database


def _reference_sql(reference: Reference, dbt: DbtSettings) -> str:
    # Identifiers come from the suite definitions (code), never from users.
    columns = ", ".join(reference.columns)
    target_columns = ", ".join(reference.target_columns or reference.columns)
    target_db, target_relation = reference.target
    lookup = f"({columns}) IN (SELECT {target_columns} FROM {database(target_db, dbt)}.{target_relation})"
    if reference.only_when:
        lookup = f"if({reference.only_when}, {lookup}, 1)"
    return f"toUInt8({lookup}) AS {reference.flag}"


def fetch(suite: MartSuite, start: date | None, end: date | None, dbt: DbtSettings | None = None) -> Any:
    """The mart's rows in [start, end] (all rows for an unpartitioned mart) as a dataframe."""
    dbt = dbt or DbtSettings()
    columns = ["*", *suite.derived, *(_reference_sql(r, dbt) for r in suite.references)]
    sql = f"SELECT {', '.join(columns)} FROM {{db:Identifier}}.{{model:Identifier}}"
    parameters: dict[str, Any] = {"db": database(suite.layer, dbt), "model": suite.model}
    if suite.partition_column and start is not None and end is not None:
        first = "toStartOfMonth({start:Date})" if suite.grain == "month" else "{start:Date}"
        sql += f" WHERE {{column:Identifier}} BETWEEN {first} AND {{end:Date}}"
        parameters |= {"column": suite.partition_column, "start": start, "end": end}
    sql += " ORDER BY company_id"
    return get_client().query_df(sql, parameters=parameters)


def _failure(result: Any) -> Failure:
    config = result.expectation_config
    kwargs = dict(config.kwargs)
    column = (
        kwargs.get("column")
        or ", ".join(kwargs.get("column_list") or [])
        or (f"{kwargs.get('column_A')} vs {kwargs.get('column_B')}" if "column_A" in kwargs else "")
    )
    details = result.result or {}
    sample = details.get("partial_unexpected_list") or []
    return Failure(
        expectation=config.type,
        column=column,
        unexpected_count=details.get("unexpected_count"),
        sample=[str(value) for value in sample[:SAMPLE]],
    )


def validate(suite: MartSuite, frame: Any, run: RunContext) -> SuiteOutcome:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from data_tests.context import dataframe_batch_definition

    expectations = list(suite.expectations(gxe, run))
    batch = dataframe_batch_definition(suite.model).get_batch(batch_parameters={"dataframe": frame})
    gx_suite = gx.ExpectationSuite(name=suite.model, expectations=expectations)
    result = batch.validate(gx_suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE})
    failures = [_failure(r) for r in result.results if not r.success]
    return SuiteOutcome(suite=suite.model, rows=len(frame), evaluated=len(result.results), failures=failures)


def run_suite(suite: MartSuite, start: date | None = None, end: date | None = None) -> SuiteOutcome:
    """Fetch the rows of [start, end] and validate them."""
    today = datetime.now(UTC).date()
    return validate(suite, fetch(suite, start, end), RunContext(today=today, start=start, end=end))
