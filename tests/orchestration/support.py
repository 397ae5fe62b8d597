"""Reading runs and tables back in the orchestration tests."""

from __future__ import annotations

from typing import Any

from saas_tracker.clickhouse import get_client

LAYERS = ("staging", "intermediate", "marts", "api")


def check_results(result) -> dict[str, Any]:
    """'asset/key:check' -> the check's evaluation, for every check evaluated in the run."""
    evaluations = {}
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            evaluations[f"{data.asset_key.to_user_string()}:{data.check_name}"] = data
    return evaluations


def failed_checks(result) -> dict[str, str]:
    return {name: data.description for name, data in check_results(result).items() if not data.passed}


def materialized(result) -> set[str]:
    return {
        event.event_specific_data.materialization.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION"
    }


def step_events(result, event_type: str) -> set[str]:
    return {event.step_key for event in result.all_events if event.event_type_value == event_type}


def tables(schema: str, column: str | None = None, *, views: bool = False) -> list[tuple[str, str]]:
    """(database, table) of the dbt output databases, optionally only those with ``column``."""
    engines = "engine LIKE '%MergeTree' OR (engine = 'View' AND {views:UInt8})"
    rows = (
        get_client()
        .query(
            f"SELECT database, name FROM system.tables WHERE database IN {{dbs:Array(String)}} AND ({engines}) "
            "AND ({column:String} = '' OR (database, name) IN "
            "(SELECT database, table FROM system.columns WHERE name = {column:String})) ORDER BY database, name",
            parameters={"dbs": [f"{schema}_{layer}" for layer in LAYERS], "column": column or "", "views": int(views)},
        )
        .result_rows
    )
    return [(db, name) for db, name in rows]


def _readable_columns(db: str, name: str) -> str:
    """Every column, aggregate states finalized (clients cannot read a state; its value is what matters)."""
    columns = (
        get_client()
        .query(
            "SELECT name, type LIKE 'AggregateFunction(%' FROM system.columns "
            "WHERE database = {db:String} AND table = {name:String} ORDER BY position",
            parameters={"db": db, "name": name},
        )
        .result_rows
    )
    return ", ".join(f"finalizeAggregation(`{c}`)" if state else f"`{c}`" for c, state in columns)


def snapshot(schema: str, company_ids: list[str]) -> dict[str, list[tuple]]:
    """Every row of every model table that belongs to the given companies, in a stable order."""
    client = get_client()
    result = {}
    for db, name in tables(schema):
        rows = client.query(
            f"SELECT {_readable_columns(db, name)} FROM {{db:Identifier}}.{{name:Identifier}} "
            "WHERE company_id IN {companies:Array(UUID)}",
            parameters={"db": db, "name": name, "companies": company_ids},
        ).result_rows
        result[f"{db}.{name}"] = sorted(tuple(str(value) for value in row) for row in rows)
    return result


def count(table: str, where: str, parameters: dict) -> int:
    return int(get_client().command(f"SELECT count() FROM {table} WHERE {where}", parameters=parameters))
