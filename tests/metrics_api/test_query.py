"""POST /v1/query: results, validation that names the field, and injection fuzzing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics_api.query import TenantQuery
from metrics_api.routes.query import QueryIn, compile_query, sources_for
from metrics_api.settings import metrics_settings
from tests.metrics_api import dataset
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


# --- the rollups and api_events agree ----------------------------------------------------------

DAYS = st.dates(min_value=dataset.FIRST_DAY - timedelta(days=3), max_value=dataset.AS_OF + timedelta(days=3))


@st.composite
def rollup_requests(draw, tenant):
    """Random builder requests: any metric, filters and grouping."""
    start, end = sorted((draw(DAYS), draw(DAYS)))
    filters: dict = {"from": start.isoformat(), "to": end.isoformat()}
    names = [*dataset.EVENT_NAMES, f"{tenant.tag}_custom", "never_sent"]
    optional = {
        "events": st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True),
        "organizations": st.lists(st.sampled_from([*tenant.org_ids, "no-such-org"]), min_size=1, max_size=3),
        "environments": st.lists(st.sampled_from(["production", "staging", "qa"]), min_size=1, max_size=2),
        "plans": st.lists(st.sampled_from(["pro", "free", "enterprise"]), min_size=1, max_size=2),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            filters[name] = draw(strategy)
    if draw(st.integers(0, 3)) == 0:
        filters["path_prefix"] = draw(
            st.sampled_from(["", "/", f"/{tenant.tag}", f"/{tenant.tag}/exports", f"/{tenant.tag}/s", "/nowhere"])
        )
    dimensions = ["day", "week", "month", "event", "organization", "plan", "environment"]
    return QueryIn.model_validate(
        {
            "metric": draw(st.sampled_from(["count", "unique_users", "unique_organizations", "unique_sessions"])),
            "filters": filters,
            "group_by": draw(st.lists(st.sampled_from(dimensions), max_size=3, unique=True)),
            "limit": draw(st.integers(min_value=1, max_value=60)),
        }
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_rollups_and_raw_events_give_identical_answers(world, data):
    from saas_tracker.clickhouse import get_client

    tenant = data.draw(st.sampled_from(world.tenants))
    body = data.draw(rollup_requests(tenant))
    tq = TenantQuery(get_client(), tenant.company_id, metrics_settings())
    answers = {}
    for source in sources_for(body):
        sql, params = compile_query(body, source=source)
        answers[source] = tq.rows(sql, **params)
    # Rows in the same order with the same values: the rollups are exact, not estimates.
    assert all(rows == answers["api_events"] for rows in answers.values()), answers
    # The preferred source answers: the smallest rollup that holds the request's columns.
    by_event = body.filters.events is not None or "event" in body.group_by
    by_path = body.filters.path_prefix is not None
    expected = {
        (False, False): "api_organization_events_daily",
        (True, False): "api_events_daily",
        (False, True): "api_path_events_daily",
        (True, True): "api_events",
    }[(by_event, by_path)]
    assert f".{expected} " in compile_query(body)[0]


def test_a_path_prefix_with_event_names_reads_the_raw_events(api, acme):
    request = {"metric": "count", "filters": {**MAY, "path_prefix": f"/{acme.tag}/exports", "events": ["search"]}}
    body = QueryIn.model_validate(request)
    assert sources_for(body) == ("api_events",) and ".api_events " in compile_query(body)[0]
    with pytest.raises(ValueError):
        compile_query(body, source="api_events_daily")
    response = api.post("/v1/query", headers=auth(acme), json=request)
    assert response.status_code == 200 and response.json()["rows"][0]["value"] >= 0
