"""What a suite is: the mart it reads, how to restrict it to a partition range, the
references it must satisfy, and its expectations.

Expectations are built by a function that receives ``great_expectations.expectations``,
so loading the suites (which Dagster does in every process) does not import GX; only a
validation does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

# A database: a dbt layer (resolved to <TRACKER_DBT_SCHEMA>_<layer>) or a fixed name.
LAYERS = ("staging", "intermediate", "marts", "api")


@dataclass(frozen=True)
class Reference:
    """Referential integrity: every row's ``columns`` exist as ``target_columns`` in ``target``.

    The check becomes a 0/1 column ``refers_to_<name>`` computed in ClickHouse (a semi-join
    is what ClickHouse is good at; shipping the parent table to pandas is not), which
    the suite expects to be 1. ``only_when`` limits it to rows where a reference applies.
    """

    name: str
    columns: tuple[str, ...]
    target: tuple[str, str]  # (layer or database, relation)
    target_columns: tuple[str, ...] | None = None
    only_when: str | None = None

    @property
    def flag(self) -> str:
        return f"refers_to_{self.name}"


@dataclass(frozen=True)
class RunContext:
    """What expectations may depend on: the day range checked and today (UTC)."""

    today: date
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class MartSuite:
    model: str
    description: str
    expectations: Callable[[Any, RunContext], Sequence[Any]]
    layer: str = "marts"
    # Partitioned marts: the date column a partition range filters on, and its grain
    # (month: rows of every month the range touches, as the monthly models rebuild them).
    partition_column: str | None = None
    grain: Literal["day", "month"] = "day"
    references: tuple[Reference, ...] = field(default_factory=tuple)
    # Extra computed columns, "expression AS name" (e.g. Decimal -> Float64 for GX).
    derived: tuple[str, ...] = field(default_factory=tuple)
    # A failure stops downstream assets in the same run (the billing exports).
    blocking: bool = False

    @property
    def name(self) -> str:
        return self.model
