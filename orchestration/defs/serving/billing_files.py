"""Billing export files: what the metrics API serves at /v1/exports/billing, written to
disk per company and month for invoicing tools that pick files up.

The bytes and the manifest come from the metrics API's own export code
(metrics_api/routes/exports.py), so a file and a download of the same closed period are
identical. Layout: ``<exports>/billing/<YYYY-MM>/<company_id>/billing-<YYYY-MM>.csv`` and
``manifest.json`` beside it. Files are written under a temporary name and renamed, the
manifest last, so a reader that finds a manifest finds the file it describes.
"""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FORMAT = "csv"
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class ExportFile:
    company_id: str
    period: str
    path: Path
    rows: int
    sha256: str


def period_dir(root: Path, period: date) -> Path:
    return root / "billing" / f"{period:%Y-%m}"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.tmp")
    with open(scratch, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(scratch, path)


def write_period(root: Path, period: date, company_ids: list[uuid.UUID]) -> list[ExportFile]:
    """Export the period for each company; companies no longer billed for it lose their
    files (after a deletion request), so the directory mirrors the mart."""
    from metrics_api.query import TenantQuery
    from metrics_api.routes.exports import build_export
    from metrics_api.settings import MetricsSettings
    from orchestration.defs.warehouse import database
    from saas_tracker.clickhouse import get_client

    # The api_ models this code location builds, whatever database the API is pointed at.
    settings = MetricsSettings(api_database=database("api"))
    directory = period_dir(root, period)
    written = []
    for company_id in company_ids:
        body, manifest = build_export(TenantQuery(get_client(), company_id, settings), f"{period:%Y-%m}", FORMAT)
        company_dir = directory / str(company_id)
        data_path = company_dir / f"billing-{period:%Y-%m}.{FORMAT}"
        _atomic_write(data_path, body)
        _atomic_write(company_dir / MANIFEST_NAME, manifest.model_dump_json(indent=2).encode())
        written.append(ExportFile(str(company_id), manifest.period, data_path, manifest.row_count, manifest.sha256))
    if directory.exists():
        billed = {str(company_id) for company_id in company_ids}
        for stale in directory.iterdir():
            if stale.is_dir() and stale.name not in billed:
                shutil.rmtree(stale)
    return written


def read_totals(root: Path, period: date) -> dict[tuple[str, str], int]:
    """(company_id, meter_key) -> quantity of the organization lines in the files on disk."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    directory = period_dir(root, period)
    for path in sorted(directory.glob(f"*/billing-{period:%Y-%m}.{FORMAT}")) if directory.exists() else []:
        with path.open(newline="") as handle:  # the csv module handles quoted line breaks itself
            rows = list(csv.DictReader(handle))
        for row in rows:
            if row["record_type"] == "organization":
                totals[(path.parent.name, row["meter_key"])] += int(row["quantity"])
    return dict(totals)
