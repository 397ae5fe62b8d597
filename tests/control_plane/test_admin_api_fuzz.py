"""schemathesis over the admin router: no input, however odd, gets a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from metrics_api.app import create_app
from saas_tracker.control import api_keys
from tests.control_plane.conftest import ACTOR

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@pytest.fixture(scope="module")
def admin_key(control):
    from saas_tracker.control import companies

    company = companies.create_company("Fuzz", "enterprise", actor=ACTOR)
    return api_keys.create_api_key(company.company_id, ["admin"], actor=ACTOR).key


@schema.include(path_regex="^/v1/admin").parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_admin_api_never_fails_with_5xx(case, admin_key):
    response = case.call(headers={"Authorization": f"Bearer {admin_key}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
