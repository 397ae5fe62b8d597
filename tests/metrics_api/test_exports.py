"""Billing exports: content, manifest, formats, byte-for-byte reproducibility of a closed period."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pyarrow.parquet as pq
import pytest

from tests.metrics_api.conftest import auth


def test_needs_the_exports_scope(api, acme):
    assert api.get("/v1/exports/billing", headers=auth(acme, "read"), params={"period": "2025-05"}).status_code == 403


def test_csv_has_organization_and_application_usage_with_a_manifest(api, acme):
    response = api.get("/v1/exports/billing", headers=auth(acme, "exports"), params={"period": "2025-05"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    orgs = [r for r in rows if r["record_type"] == "organization"]
    apps = [r for r in rows if r["record_type"] == "application"]
    assert {r["customer_org_id"] for r in orgs} == set(acme.org_ids)
    assert sum(int(r["quantity"]) for r in orgs if r["meter_key"] == "events") == 31 * 30
    assert {r["app_id"] for r in apps} == set(acme.app_ids)
    assert sum(int(r["quantity"]) for r in apps if r["meter_key"] == "events") == 31 * 30
    # A total order: organizations by (id, meter), then applications by id, events first.
    assert rows == orgs + apps
    assert [(r["customer_org_id"], r["meter_key"]) for r in orgs] == sorted(
        (r["customer_org_id"], r["meter_key"]) for r in orgs
    )
    assert [r["app_id"] for r in apps] == sorted(r["app_id"] for r in apps)
    assert [r["meter_key"] for r in apps[:2]] == ["events", "active_users"]
    headers = response.headers
    assert headers["x-export-sha256"] == hashlib.sha256(response.content).hexdigest()
    assert headers["x-export-row-count"] == str(len(rows))
    assert headers["x-export-period"] == "2025-05" and headers["x-export-period-closed"] == "true"
    assert headers["x-export-model-version"].startswith("1.0.0+")
    manifest = api.get(
        "/v1/exports/billing/manifest", headers=auth(acme, "exports"), params={"period": "2025-05"}
    ).json()
    assert manifest["sha256"] == headers["x-export-sha256"] and manifest["data_as_of_date"] == "2025-06-12"


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_a_closed_period_exports_the_same_bytes_every_time(api, acme, fmt):
    params = {"period": "2025-05", "format": fmt}
    first = api.get("/v1/exports/billing", headers=auth(acme, "exports"), params=params)
    second = api.get("/v1/exports/billing", headers=auth(acme, "exports"), params=params)
    assert first.status_code == 200 and first.content == second.content
    count = int(first.headers["x-export-row-count"])
    if fmt == "json":
        assert len(json.loads(first.content)) == count
    if fmt == "parquet":
        assert pq.read_table(io.BytesIO(first.content)).num_rows == count


def test_open_period_and_bad_periods(api, acme):
    june = api.get("/v1/exports/billing", headers=auth(acme, "exports"), params={"period": "2025-06"})
    assert june.headers["x-export-period-closed"] == "false"
    for bad in ("2025-13", "2025-5", "may", "0001-01"):
        response = api.get("/v1/exports/billing", headers=auth(acme, "exports"), params={"period": bad})
        assert response.status_code == 400 and response.json()["detail"].startswith("period:")
    assert (
        api.get(
            "/v1/exports/billing", headers=auth(acme, "exports"), params={"period": "2025-05", "format": "xml"}
        ).status_code
        == 422
    )


@pytest.mark.parametrize("period", ["2025-05", "2025-06"])
def test_application_records_equal_the_events_of_the_month(api, world, period):
    from saas_tracker.clickhouse import get_client

    for tenant in world.tenants:
        response = api.get("/v1/exports/billing", headers=auth(tenant, "exports"), params={"period": period})
        apps = [r for r in csv.DictReader(io.StringIO(response.text)) if r["record_type"] == "application"]
        exported = {(r["app_id"], r["meter_key"]): int(r["quantity"]) for r in apps}
        rows = (
            get_client()
            .query(
                "SELECT toString(app_id), count(), uniqExactIf(user_hash, user_hash != '') "
                "FROM {db:Identifier}.api_events WHERE company_id = {c:UUID} AND toStartOfMonth(event_date) = {m:Date} "
                "GROUP BY app_id",
                parameters={"db": world.api_database, "c": tenant.company_id, "m": f"{period}-01"},
            )
            .result_rows
        )
        assert exported == {
            **{(app, "events"): events for app, events, _ in rows},
            **{(app, "active_users"): users for app, _, users in rows},
        }
