"""Deleting rows from the raw tables and from every model table that holds them.

The model tables are found in system.tables rather than listed by hand: a new model
with a user_hash or customer_org_id column is covered the day it is added. Deletes are
mutations run synchronously (``mutations_sync = 2``), so a job step that returns has
really removed the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestration.defs.warehouse import database
from saas_tracker.clickhouse import get_client

MODEL_LAYERS = ("staging", "intermediate", "marts", "api")


@dataclass(frozen=True)
class Table:
    database: str
    name: str
    # The partition expression when it is a plain column (e.g. event_date), else ''.
    partition_column: str

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.name}"


def model_tables(column: str) -> list[Table]:
    """MergeTree tables of the dbt output databases with both company_id and ``column``."""
    rows = (
        get_client()
        .query(
            """
        SELECT database, name, partition_key
        FROM system.tables
        WHERE database IN {dbs:Array(String)} AND engine LIKE '%MergeTree'
          AND (database, name) IN (SELECT database, table FROM system.columns WHERE name = {column:String})
          AND (database, name) IN (SELECT database, table FROM system.columns WHERE name = 'company_id')
        ORDER BY database, name
        """,
            parameters={"dbs": [database(layer) for layer in MODEL_LAYERS], "column": column},
        )
        .result_rows
    )
    tables = []
    for db, name, partition_key in rows:
        key = partition_key.strip().strip("()")
        tables.append(Table(db, name, key if key.isidentifier() else ""))
    return tables


def count(table: str, where: str, parameters: dict[str, Any]) -> int:
    """Rows of ``table`` matching ``where`` (a condition with {name:Type} binds)."""
    return int(get_client().command(f"SELECT count() FROM {table} WHERE {where}", parameters=parameters))


def delete(table: str, where: str, parameters: dict[str, Any]) -> int:
    """Delete the rows matching ``where``; returns how many there were."""
    matching = count(table, where, parameters)
    if matching:
        get_client().command(
            f"ALTER TABLE {table} DELETE WHERE {where}",
            parameters=parameters,
            settings={"mutations_sync": 2},
        )
    return matching
