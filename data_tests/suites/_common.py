"""Expectations most suites share."""

from __future__ import annotations

from typing import Any

# Pseudonymous users are 64 lowercase hex characters, or '' for anonymous events.
USER_HASH = r"^([0-9a-f]{64})?$"


def key(gxe: Any, columns: list[str]) -> list[Any]:
    """The grain: the key is present and unique."""
    return [
        *(gxe.ExpectColumnValuesToNotBeNull(column=column) for column in columns),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=columns),
    ]


def organization(gxe: Any) -> list[Any]:
    """Every row belongs to a tenant and one of its customer organizations."""
    return [gxe.ExpectColumnValueLengthsToBeBetween(column="customer_org_id", min_value=1)]


def at_least(gxe: Any, column: str, minimum: float) -> Any:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=minimum)


def between(gxe: Any, column: str, minimum: float, maximum: float) -> Any:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=minimum, max_value=maximum)


def not_after(gxe: Any, earlier: str, later: str) -> Any:
    """``earlier`` <= ``later`` wherever both are set."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=later, column_B=earlier, or_equal=True, ignore_row_if="either_value_is_missing"
    )


def refers(gxe: Any, flag: str) -> Any:
    return gxe.ExpectColumnValuesToBeInSet(column=flag, value_set=[1])


def refers_all(gxe: Any, suite: Any) -> list[Any]:
    return [refers(gxe, reference.flag) for reference in suite.references]
