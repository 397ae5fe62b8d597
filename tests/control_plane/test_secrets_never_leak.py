"""After creation, a secret or API key never appears in logs, the audit log or any response."""

from __future__ import annotations

import json
import logging

from click.testing import CliRunner
from fastapi.testclient import TestClient

from metrics_api.app import create_app
from saas_tracker.cli import main
from saas_tracker.control import api_keys, applications, audit, credentials, store
from tests.control_plane.conftest import ACTOR


def test_secrets_stay_out_of_logs_audit_and_later_responses(company, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    runner = CliRunner()
    cid = str(company.company_id)
    shown: list[str] = []

    admin_key = api_keys.create_api_key(company.company_id, ["admin"], actor=ACTOR)
    shown.append(admin_key.key)
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {admin_key.key}"})

    created = client.post("/v1/admin/applications", json={"name": "Web", "environments": ["production"]})
    assert created.status_code == 201
    app_id = created.json()["application"]["app_id"]
    shown.append(created.json()["credentials"]["secret"])

    rotated = runner.invoke(main, ["admin", "app", "rotate-secret", app_id, "--json"])
    assert rotated.exit_code == 0, rotated.output
    shown.append(json.loads(rotated.stdout)["secret"])

    cli_app = runner.invoke(main, ["admin", "app", "create", "--company", cid, "Mobile", "--json"])
    shown.append(json.loads(cli_app.stdout)["secret"])
    new_key = client.post("/v1/admin/api-keys", json={"scopes": ["metrics:read"]})
    shown.append(new_key.json()["key"])
    cli_key = runner.invoke(main, ["admin", "key", "create", "--company", cid, "--scope", "exports:read", "--json"])
    shown.append(json.loads(cli_key.stdout)["key"])

    # The collector path and the API-key path run too, so their logging is covered.
    assert credentials.fetch_credentials(app_id).keys()
    api_keys.verify_api_key(new_key.json()["key"])
    credentials.revoke_secret(app_id, json.loads(rotated.stdout)["secret_id"], actor=ACTOR)
    api_keys.revoke_api_key(company.company_id, new_key.json()["key_id"], actor=ACTOR)
    applications.archive_application(app_id, actor=ACTOR)

    later_responses = [
        client.get(path).text
        for path in (
            "/v1/admin/company",
            "/v1/admin/applications?include_archived=true",
            f"/v1/admin/applications/{app_id}",
            f"/v1/admin/applications/{app_id}/secrets",
            "/v1/admin/api-keys",
            "/v1/admin/audit?limit=1000",
        )
    ] + [
        runner.invoke(main, args).output
        for args in (
            ["admin", "company", "show", cid, "--json"],
            ["admin", "app", "list", "--company", cid, "--all", "--json"],
            ["admin", "app", "secrets", app_id, "--json"],
            ["admin", "key", "list", "--company", cid, "--json"],
            ["admin", "audit", "--company", cid, "--limit", "1000", "--json"],
        )
    ]
    audit_rows = store.select(
        "SELECT * FROM tracker_control.audit_log WHERE company_id = {c:UUID}", {"c": company.company_id}
    )
    assert len(audit_rows) >= 10
    assert {e.entity_type for e in audit.list_entries(company.company_id, limit=1000)} >= {
        "application",
        "app_secret",
        "api_key",
    }

    assert len(shown) == 6 and all(len(s) > 40 for s in shown)
    haystacks = {"logs": caplog.text, "audit": repr(audit_rows), "responses": "\n".join(later_responses)}
    for secret in shown:
        for where, text in haystacks.items():
            assert secret not in text, f"a secret appeared in {where}"
            # Not even the random part alone (e.g. a key split on its prefix).
            assert secret[-30:] not in text, f"part of a secret appeared in {where}"
