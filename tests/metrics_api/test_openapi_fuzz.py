"""Schemathesis over the OpenAPI document: generated requests never get a 5xx.

One test per operation (the schemathesis pytest plugin does not load under pytest 9, so the
operations' hypothesis strategies are driven directly). The admin routes are excluded:
they change the control plane and have their own tests.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.metrics_api.conftest import auth


def _operations():
    from metrics_api.app import create_app

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app()).exclude(path_regex="^/v1/admin")
    return [result.ok() for result in schema.get_all_operations()]


OPERATIONS = _operations()


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{o.method.upper()} {o.path}" for o in OPERATIONS])
def test_no_server_errors(operation, app, acme):
    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=operation.as_strategy())
    def check(case):
        # Bind the case to the app under test (built against the dbt-built database).
        case.operation.schema.app = app
        response = case.call(headers=auth(acme, "all"))
        assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {response.text[:300]}"

    check()
