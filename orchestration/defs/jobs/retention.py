"""Retention per plan: delete what is older than the company's subscription allows.

Raw events carry the retention they were ingested under (a TTL on each row), but a plan
change does not rewrite stored rows, and the models copy events and users into tables
of their own. This job applies the subscription's current retention_days, per company,
to raw events, the quarantine and every model table that holds user-level rows (those
with a user_hash column, by their day partition column). Aggregates without users
(daily activity, health, usage) are kept: they are the history the product reports on.
Companies without a subscription are left to the raw table's TTL.
"""

# No `from __future__ import annotations`: Dagster reads config and resource types from the annotations.

from datetime import UTC, datetime, timedelta

from dagster import MetadataValue, OpExecutionContext, job, op

from orchestration.defs.jobs import erasure
from orchestration.defs.warehouse import CONTROL_DATABASE, RAW_DATABASE, WAREHOUSE_POOL
from saas_tracker.clickhouse import get_client


def _older_than_retention(date_expression: str) -> str:
    # One mutation per table for every company: each row's cutoff is looked up by company.
    return (
        f"{date_expression} < transform(toString(company_id), {{companies:Array(String)}}, "
        "{cutoffs:Array(Date)}, toDate('1970-01-01'))"
    )


def enforce(today=None) -> dict[str, int]:
    """Delete rows past each company's retention; returns rows deleted per table."""
    today = today or datetime.now(UTC).date()
    terms = (
        get_client()
        .query(
            f"SELECT toString(company_id), retention_days FROM {CONTROL_DATABASE}.current_subscriptions "
            "ORDER BY company_id"
        )
        .result_rows
    )
    if not terms:
        return {}
    parameters = {
        "companies": [company for company, _ in terms],
        "cutoffs": [today - timedelta(days=int(days)) for _, days in terms],
    }
    deleted = {
        f"{RAW_DATABASE}.events": erasure.delete(
            f"{RAW_DATABASE}.events", _older_than_retention("toDate(ts)"), parameters
        ),
        f"{RAW_DATABASE}.events_quarantine": erasure.delete(
            f"{RAW_DATABASE}.events_quarantine", _older_than_retention("toDate(ts)"), parameters
        ),
    }
    for table in erasure.model_tables("user_hash"):
        if table.partition_column:
            deleted[table.qualified] = erasure.delete(
                table.qualified, _older_than_retention(table.partition_column), parameters
            )
    return deleted


@op(pool=WAREHOUSE_POOL)
def enforce_retention(context: OpExecutionContext) -> None:
    deleted = enforce()
    context.log.info(f"rows deleted past retention: {deleted}")
    context.add_output_metadata({"rows_deleted": MetadataValue.json(deleted), "total": sum(deleted.values())})


@job(description="Delete raw events and user-level model rows older than each company's plan retention.")
def retention_enforcement():
    enforce_retention()
