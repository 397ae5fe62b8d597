"""Tenant isolation as a property: whatever a key asks for, no response carries another company's data."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.metrics_api.conftest import auth

# Requests a caller could make; "{org}"/"{app}" are filled with ids of ANY company, the
# caller's own or another's, so the test also tries to reach across tenants by id.
REQUESTS = [
    "/v1/organizations?limit=500",
    "/v1/organizations/{org}",
    "/v1/organizations/{org}/health?from=2025-05-01&to=2025-06-12",
    "/v1/features/adoption",
    "/v1/active-users?grain=month&by=application&from=2025-05-01&to=2025-06-12",
    "/v1/retention?cohort_type=user&from=2025-01-01&to=2025-06-30",
    "/v1/sessions/stats?from=2025-05-01&to=2025-06-12&app_id={app}",
    "/v1/usage",
    "/v1/events?from=2025-06-10T00:00:00Z&to=2025-06-12T00:00:00Z&limit=1000",
    "/v1/events?from=2025-06-10T00:00:00Z&to=2025-06-12T00:00:00Z&customer_org_id={org}",
    "/v1/exports/billing?period=2025-05&format=csv",
    "/v1/exports/billing?period=2025-06&format=json",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_response_contains_another_companys_data(api, world, data):
    caller = data.draw(st.sampled_from(world.tenants), label="caller")
    target = data.draw(st.sampled_from(world.tenants), label="ids from")
    template = data.draw(st.sampled_from(REQUESTS), label="request")
    url = template.format(
        org=data.draw(st.sampled_from(target.org_ids)), app=data.draw(st.sampled_from(target.app_ids))
    )
    response = api.get(url, headers=auth(caller, "all"))
    assert response.status_code in (200, 404), response.text
    if target is caller and response.status_code == 200:
        assert caller.tag in response.text or "{org}" not in template
    if target is not caller and "{org}" in template and "events" not in template:
        assert response.status_code == 404
    for other in world.others(caller):
        for marker in other.markers():
            if marker in url:
                continue  # the caller's own input echoed in a 404 message is not another company's data
            assert marker not in response.text, f"{url} as {caller.tag} leaked {marker}"


def test_every_query_is_bound_to_the_tenant():
    """The guard itself: a statement without the tenant filter never reaches ClickHouse."""
    import uuid

    import pytest

    from metrics_api.query import TenantQuery
    from metrics_api.settings import MetricsSettings

    tq = TenantQuery(client=None, company_id=uuid.uuid4(), settings=MetricsSettings(api_database="x"))  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        tq.rows("SELECT * FROM {db:Identifier}.api_events")
