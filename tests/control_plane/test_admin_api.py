"""The admin router: `admin` scope, tenant isolation, status codes and messages."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from metrics_api.app import create_app
from saas_tracker.control import api_keys, applications
from tests.control_plane.conftest import ACTOR


@pytest.fixture(scope="module")
def http(control):
    return TestClient(create_app())


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def admin_headers(company):
    return bearer(api_keys.create_api_key(company.company_id, ["admin"], actor=ACTOR).key)


def test_authentication_and_scope(http, company):
    assert http.get("/v1/admin/company").status_code == 401
    missing = http.get("/v1/admin/company", headers=bearer("nonsense"))
    assert missing.status_code == 401 and "malformed" in missing.json()["detail"]
    assert missing.headers["www-authenticate"] == "Bearer"

    reader = api_keys.create_api_key(company.company_id, ["metrics:read"], actor=ACTOR)
    forbidden = http.get("/v1/admin/company", headers=bearer(reader.key))
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == f"scope: API key {reader.info.key_id} lacks the 'admin' scope"

    admin = api_keys.create_api_key(company.company_id, ["admin"], actor=ACTOR)
    assert http.get("/v1/admin/company", headers=bearer(admin.key)).json()["company"]["company_id"] == str(
        company.company_id
    )
    api_keys.revoke_api_key(company.company_id, admin.info.key_id, actor=ACTOR)
    revoked = http.get("/v1/admin/company", headers=bearer(admin.key))
    assert revoked.status_code == 401 and revoked.json()["detail"] == f"api key: revoked key {admin.info.key_id}"


def test_applications_and_secrets(http, admin_headers):
    created = http.post(
        "/v1/admin/applications", json={"name": "Web", "environments": ["production"]}, headers=admin_headers
    )
    assert created.status_code == 201
    body = created.json()
    app_id, first_secret_id = body["application"]["app_id"], body["credentials"]["secret_id"]
    assert body["credentials"]["secret"].startswith("sts_")

    assert http.get(f"/v1/admin/applications/{app_id}", headers=admin_headers).json()["name"] == "Web"
    patched = http.patch(
        f"/v1/admin/applications/{app_id}", json={"environments": ["production", "eu"]}, headers=admin_headers
    )
    assert patched.json()["environments"] == ["production", "eu"]

    rotated = http.post(
        f"/v1/admin/applications/{app_id}/secrets/rotate", json={"old_valid_for_seconds": 60}, headers=admin_headers
    )
    assert rotated.status_code == 201 and rotated.json()["previous_expires_at"]
    again = http.post(f"/v1/admin/applications/{app_id}/secrets/rotate", headers=admin_headers)
    assert again.status_code == 409 and "already has 2 valid secrets" in again.json()["detail"]

    revoked = http.post(f"/v1/admin/applications/{app_id}/secrets/{first_secret_id}/revoke", headers=admin_headers)
    assert [s["state"] for s in revoked.json()] == ["revoked"]
    secrets = http.get(f"/v1/admin/applications/{app_id}/secrets", headers=admin_headers).json()
    assert sorted(s["state"] for s in secrets) == ["active", "revoked"]

    archived = http.post(f"/v1/admin/applications/{app_id}/archive", headers=admin_headers)
    assert archived.json()["status"] == "archived"


def test_refusals_map_to_status_codes(http, make_company):
    trial = make_company(plan="trial")
    headers = bearer(api_keys.create_api_key(trial.company_id, ["admin"], actor=ACTOR).key)
    bad = http.post("/v1/admin/applications", json={"name": "Web", "environments": ["Not Valid"]}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["field"] == "environments" and "'Not Valid' is not an environment label" in bad.json()["detail"]
    assert http.post("/v1/admin/applications", json={"name": "Web"}, headers=headers).status_code == 201
    capped = http.post("/v1/admin/applications", json={"name": "Two"}, headers=headers)
    assert capped.status_code == 403 and capped.json()["code"] == "limit_exceeded"
    assert "application cap exceeded: plan 'trial' allows 1" in capped.json()["detail"]

    unknown_plan = http.post("/v1/admin/subscription/plan", json={"plan": "gold"}, headers=headers)
    assert unknown_plan.status_code == 422 and "'gold' is an unknown plan" in unknown_plan.json()["detail"]
    assert (
        http.post("/v1/admin/subscription/plan", json={"plan": "growth"}, headers=headers).json()["plan_key"]
        == "growth"
    )
    assert len(http.get("/v1/admin/subscription/history", headers=headers).json()) == 2

    not_found = http.get(f"/v1/admin/applications/{uuid.uuid4()}", headers=headers)
    assert not_found.status_code == 404 and not_found.json()["code"] == "not_found"
    bad_scope = http.post("/v1/admin/api-keys", json={"scopes": ["root"]}, headers=headers)
    assert bad_scope.status_code == 422 and "unknown scope 'root'" in bad_scope.json()["detail"]


def test_tenant_isolation(http, admin_headers, make_company):
    other = make_company()
    foreign = applications.create_application(other.company_id, "Theirs", actor=ACTOR)
    foreign_id = foreign.application.app_id
    for method, path in (
        ("get", f"/v1/admin/applications/{foreign_id}"),
        ("post", f"/v1/admin/applications/{foreign_id}/archive"),
        ("post", f"/v1/admin/applications/{foreign_id}/secrets/rotate"),
        ("get", f"/v1/admin/applications/{foreign_id}/secrets"),
        ("post", f"/v1/admin/applications/{foreign_id}/secrets/{foreign.credentials.secret_id}/revoke"),
    ):
        response = getattr(http, method)(path, headers=admin_headers)
        assert response.status_code == 404, (method, path, response.text)
    assert str(foreign_id) not in http.get("/v1/admin/applications", headers=admin_headers).text
    assert applications.get_application(foreign_id).status == "active"
    other_key = api_keys.create_api_key(other.company_id, ["metrics:read"], actor=ACTOR)
    assert http.post(f"/v1/admin/api-keys/{other_key.info.key_id}/revoke", headers=admin_headers).status_code == 404


def test_members_features_keys_and_audit(http, admin_headers):
    added = http.post("/v1/admin/members", json={"email": "Ann@Example.com", "role": "owner"}, headers=admin_headers)
    assert added.status_code == 201 and added.json()["email"] == "ann@example.com"
    assert (
        http.post(
            "/v1/admin/members", json={"email": "ann@example.com", "role": "viewer"}, headers=admin_headers
        ).status_code
        == 409
    )
    assert (
        http.patch("/v1/admin/members/ann@example.com", json={"role": "admin"}, headers=admin_headers).status_code
        == 409
    )  # last owner
    assert (
        http.post(
            "/v1/admin/members", json={"email": "bo@example.com", "role": "boss"}, headers=admin_headers
        ).status_code
        == 422
    )

    created = http.post("/v1/admin/features", json={"key": "search", "events": ["searched"]}, headers=admin_headers)
    assert created.status_code == 201
    duplicate = http.post("/v1/admin/features", json={"key": "search", "events": ["x"]}, headers=admin_headers)
    assert duplicate.status_code == 409 and "duplicate feature key 'search'" in duplicate.json()["detail"]
    malformed = http.post("/v1/admin/features", json={"key": "empty"}, headers=admin_headers)
    assert malformed.status_code == 422 and "malformed feature rule 'empty'" in malformed.json()["detail"]
    replaced = http.put("/v1/admin/features/search", json={"path_prefix": "/search"}, headers=admin_headers)
    assert replaced.json()["path_prefix"] == "/search" and replaced.json()["event_names"] == []
    applied = http.put(
        "/v1/admin/features", json={"features": [{"key": "export", "events": ["exported"]}]}, headers=admin_headers
    )
    assert (applied.json()["created"], applied.json()["retired"]) == (["export"], ["search"])
    bad_apply = http.put(
        "/v1/admin/features",
        json={"features": [{"key": "a", "events": ["x"]}, {"key": "a", "events": ["y"]}]},
        headers=admin_headers,
    )
    assert bad_apply.status_code == 422 and bad_apply.json()["field"] == "features[1].key"

    key = http.post("/v1/admin/api-keys", json={"scopes": ["metrics:read"], "name": "dash"}, headers=admin_headers)
    assert key.status_code == 201 and key.json()["key"].startswith(key.json()["key_id"])
    listed = http.get("/v1/admin/api-keys", headers=admin_headers).json()
    assert key.json()["key_id"] in {k["key_id"] for k in listed} and "key" not in listed[0]

    entries = http.get("/v1/admin/audit", headers=admin_headers).json()
    assert {"member", "feature_definition", "api_key"} <= {e["entity_type"] for e in entries}
    assert all(e["actor"].startswith(("api_key:stk_", "test:")) for e in entries)
    assert http.get("/v1/admin/plans", headers=admin_headers).json()[0]["plan_key"] == "trial"
