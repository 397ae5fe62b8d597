"""Billing exports: per-organization billable usage and per-application usage for one month.

The body holds only the period's numbers, sorted by a total order, so a closed period
(a month before the data's as-of month) exports the same bytes every time. When it was
read (as-of time) and what built it go in the manifest: response headers, and the same
fields at ``/v1/exports/billing/manifest``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from metrics_api.deps import TenantDep, require_scope
from metrics_api.query import TenantQuery

router = APIRouter(prefix="/v1/exports", tags=["exports"], dependencies=[Depends(require_scope("exports:read"))])

COLUMNS = ["period", "record_type", "customer_org_id", "app_id", "meter_key", "meter_aggregation", "quantity"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MODEL_FILES = (
    "models/api/api_billable_usage_monthly.sql",
    "models/marts/fct_billable_usage_monthly.sql",
    "models/api/api_application_usage_monthly.sql",
)


class BillingManifestOut(BaseModel):
    period: str = Field(examples=["2025-05"])
    period_closed: bool = Field(description="A closed period's export is reproducible byte for byte.")
    as_of_time: datetime = Field(description="When the data was read.")
    data_as_of_date: date | None = Field(description="The as-of date the models were built for.")
    model_version: str = Field(description="dbt project version + hash of the billing models' SQL.")
    format: str
    row_count: int
    sha256: str


@lru_cache(maxsize=1)
def model_version() -> str:
    from saas_tracker.dbt import DBT_PROJECT_DIR

    root = Path(DBT_PROJECT_DIR)
    found = re.search(r'^version:\s*"?([^"\n]+)"?', (root / "dbt_project.yml").read_text(), re.M)
    digest = hashlib.sha256()
    for name in MODEL_FILES:
        path = root / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return f"{found.group(1) if found else 'unknown'}+{digest.hexdigest()[:12]}"


def _period(text: str) -> date:
    match = PERIOD.match(text)
    if not match or not 1970 <= int(match.group(1)) <= 2148:
        raise HTTPException(400, f"period: {text[:20]!r} is not a month like 2025-05")
    return date(int(match.group(1)), int(match.group(2)), 1)


# One round trip for the whole export (the warehouse's cost is mostly per query): the
# organizations' billable usage, each application's two meters, and a first row carrying
# the data's as-of date. `part` and `meter_order` keep the body's total order.
EXPORT_SQL = """
SELECT record_type, customer_org_id, app_id, meter_key, meter_aggregation, quantity FROM (
    SELECT 0 AS part, 'as_of' AS record_type, '' AS customer_org_id, '' AS app_id, '' AS meter_key,
        '' AS meter_aggregation, toString(max(as_of_date)) AS quantity, 0 AS meter_order
    FROM {db:Identifier}.api_organizations WHERE company_id = {company_id:UUID}
    UNION ALL
    SELECT 1, 'organization', customer_org_id, '', meter_key, meter_aggregation, toString(quantity), 0
    FROM {db:Identifier}.api_billable_usage_monthly
    WHERE company_id = {company_id:UUID} AND period_start = {start:Date}
    UNION ALL
    SELECT 2, 'application', '', toString(app_id), meter.1, meter.2, meter.3, meter.4
    FROM {db:Identifier}.api_application_usage_monthly
    ARRAY JOIN [('events', 'count', toString(event_count), 1),
                ('active_users', 'unique_users', toString(users), 2)] AS meter
    WHERE company_id = {company_id:UUID} AND usage_month = {start:Date}
)
ORDER BY part, customer_org_id, app_id, meter_order, meter_key
"""


def _rows(tq: TenantQuery, start: date) -> tuple[date | None, list[dict[str, Any]]]:
    """(the data's as-of date or None before any build, the export's rows in order)."""
    found = tq.rows(EXPORT_SQL, start=start)
    as_of = date.fromisoformat(found[0]["quantity"])
    period = start.strftime("%Y-%m")
    rows = [{"period": period, **row} for row in found[1:]]
    return (as_of if as_of.year > 1970 else None), [{c: row[c] for c in COLUMNS} for row in rows]


def _render(rows: list[dict[str, Any]], fmt: str) -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        # RFC 4180 line ends: Python's csv quotes only fields holding a character of the
        # line terminator, so with "\n" an organization id containing "\r" went out
        # unquoted and split its row for every reader.
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().encode()
    if fmt == "json":
        return (json.dumps(rows, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c: pa.array([r[c] for r in rows], type=pa.string()) for c in COLUMNS})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def build_export(tq: TenantQuery, period: str, fmt: str) -> tuple[bytes, BillingManifestOut]:
    """One company's billing export for ``period`` (YYYY-MM) and its manifest: what the
    endpoints below answer and what Dagster's billing_exports asset writes to disk."""
    start = _period(period)
    read_at = datetime.now(UTC).replace(microsecond=0)
    data_as_of, rows = _rows(tq, start)
    body = _render(rows, fmt)
    reference = data_as_of or read_at.date()
    manifest = BillingManifestOut(
        period=period,
        period_closed=start < reference.replace(day=1),
        as_of_time=read_at,
        data_as_of_date=data_as_of,
        model_version=model_version(),
        format=fmt,
        row_count=len(rows),
        sha256=hashlib.sha256(body).hexdigest(),
    )
    return body, manifest


PeriodQ = Query(description="The calendar month, YYYY-MM.", examples=["2025-05"], max_length=20)


@router.get(
    "/billing",
    summary="Billing export for one month (CSV, Parquet or JSON)",
    response_class=Response,
    responses={
        200: {
            "content": {t: {} for t in MEDIA_TYPES.values()},
            "description": "The export; its manifest in the X-Export-* headers.",
        }
    },
)
def billing_export(tq: TenantDep, period: str = PeriodQ, format: Literal["csv", "parquet", "json"] = "csv") -> Response:
    body, manifest = build_export(tq, period, format)
    headers = {
        "Content-Disposition": f'attachment; filename="billing-{period}.{format}"',
        "X-Export-Period": manifest.period,
        "X-Export-Period-Closed": str(manifest.period_closed).lower(),
        "X-Export-As-Of": manifest.as_of_time.isoformat(),
        "X-Export-Model-Version": manifest.model_version,
        "X-Export-Row-Count": str(manifest.row_count),
        "X-Export-Sha256": manifest.sha256,
    }
    return Response(content=body, media_type=MEDIA_TYPES[format], headers=headers)


@router.get("/billing/manifest", response_model=BillingManifestOut, summary="The manifest of a billing export")
def billing_manifest(
    tq: TenantDep, period: str = PeriodQ, format: Literal["csv", "parquet", "json"] = "csv"
) -> BillingManifestOut:
    return build_export(tq, period, format)[1]
