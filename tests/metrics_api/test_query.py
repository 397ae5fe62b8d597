"""POST /v1/query: results, validation that names the field, and injection fuzzing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.metrics_api.conftest import auth

MAY = {"from": "2025-05-01", "to": "2025-05-31"}


def test_count_by_month_matches_the_events_sent(api, acme):
    body = {"metric": "count", "filters": {"from": "2025-05-01", "to": "2025-06-12"}, "group_by": ["month"]}
    rows = api.post("/v1/query", headers=auth(acme), json=body).json()["rows"]
    assert rows == [
        {"dimensions": {"month": "2025-05-01"}, "value": 31 * 30},
        {"dimensions": {"month": "2025-06-01"}, "value": 12 * 30},
    ]


def test_filters_and_group_by(api, acme):
    body = {
        "metric": "unique_organizations",
        "filters": {**MAY, "plans": ["pro"], "environments": ["production"], "path_prefix": f"/{acme.tag}/"},
        "group_by": ["plan"],
    }
    assert api.post("/v1/query", headers=auth(acme), json=body).json()["rows"] == [
        {"dimensions": {"plan": "pro"}, "value": 2}
    ]
    users = {"metric": "unique_users", "filters": {**MAY, "organizations": [acme.org_ids[0]]}}
    assert api.post("/v1/query", headers=auth(acme), json=users).json()["rows"][0]["value"] == 4
    by_org = {"metric": "unique_sessions", "filters": MAY, "group_by": ["organization", "event"], "limit": 3}
    result = api.post("/v1/query", headers=auth(acme), json=by_org).json()
    assert len(result["rows"]) == 3 and result["truncated"] is True


def test_validation_errors_name_the_field(api, acme):
    def error(body):
        response = api.post("/v1/query", headers=auth(acme), json=body)
        assert response.status_code in (400, 422), response.text
        return response.json()["detail"]

    assert error({"metric": "sum", "filters": MAY})[0]["loc"] == ["body", "metric"]
    assert error({"metric": "count", "filters": {**MAY, "table": "x"}})[0]["loc"] == ["body", "filters", "table"]
    assert error({"metric": "count", "filters": MAY, "group_by": ["path"]})[0]["loc"] == ["body", "group_by", 0]
    assert error({"metric": "count", "filters": {"from": "2025-05-01"}})[0]["loc"] == ["body", "filters", "to"]
    assert error({"metric": "count", "filters": {"from": "2025-06-01", "to": "2025-05-01"}}).startswith("filters.from")
    assert error({"metric": "count", "filters": MAY, "group_by": ["day", "day"]}).startswith("group_by")


TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["' OR 1=1 --", "x') UNION ALL SELECT * FROM system.tables --", "{company_id:UUID}", "\\'", "`", "%s", "\x00"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(TEXT, max_size=3),
    orgs=st.lists(TEXT, max_size=3),
    prefix=TEXT,
    group_by=st.lists(
        st.sampled_from(["day", "event", "organization", "plan", "environment"]), max_size=2, unique=True
    ),
)
def test_injection_fuzz_never_errors_or_escapes_the_tenant(api, world, acme, events, orgs, prefix, group_by):
    body = {
        "metric": "count",
        "filters": {**MAY, "events": events, "organizations": orgs, "path_prefix": prefix},
        "group_by": group_by,
    }
    response = api.post("/v1/query", headers=auth(acme), json=body)
    assert response.status_code == 200, response.text
    # Made-up names match nothing: a value that changed the SQL would match rows.
    real = set(acme.org_ids)
    if not (set(orgs) & real) and orgs:
        assert response.json()["rows"] in ([], [{"dimensions": {}, "value": 0}])
    for other in world.others(acme):
        for marker in other.markers():
            assert marker not in response.text
