"""Feature adoption, active users, retention, sessions, plan usage, /healthz, /metrics."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.metrics_api.conftest import auth
from tests.metrics_api.dataset import AS_OF, FIRST_DAY

RANGE = {"from": FIRST_DAY.isoformat(), "to": AS_OF.isoformat()}


def test_feature_adoption_overall_and_by_plan(api, acme):
    body = api.get("/v1/features/adoption", headers=auth(acme)).json()
    assert {f["feature_key"] for f in body["overall"]} == {"dashboards", "exports"}
    assert all(f["org_plan"] == "(all)" for f in body["overall"])
    assert {f["org_plan"] for f in body["by_plan"]} == {"pro", "free"}
    overall = {f["feature_key"]: f for f in body["overall"]}
    assert overall["dashboards"]["active_organizations"] == 4
    only = api.get("/v1/features/adoption", headers=auth(acme), params={"feature_key": "exports"}).json()
    assert {f["feature_key"] for f in only["overall"] + only["by_plan"]} == {"exports"}


def test_active_users_by_grain_and_application(api, acme):
    daily = api.get("/v1/active-users", headers=auth(acme), params={"grain": "day", **RANGE}).json()["items"]
    assert len(daily) == (AS_OF - FIRST_DAY).days + 1 and all(p["app_id"] is None for p in daily)
    # 4 organizations x 4 users each: 16 distinct users at most, all active over a month.
    monthly = api.get("/v1/active-users", headers=auth(acme), params={"grain": "month", **RANGE}).json()["items"]
    assert [p["period_start"] for p in monthly] == ["2025-05-01", "2025-06-01"] and monthly[0]["active_users"] == 16
    weekly = api.get("/v1/active-users", headers=auth(acme), params={"grain": "week", **RANGE}).json()["items"]
    assert all(p["active_users"] <= 16 for p in weekly) and len(weekly) == 7
    by_app = api.get(
        "/v1/active-users", headers=auth(acme), params={"grain": "month", "by": "application", **RANGE}
    ).json()
    assert {p["app_id"] for p in by_app["items"]} == set(acme.app_ids)
    assert api.get("/v1/active-users", headers=auth(acme), params={"grain": "year"}).status_code == 422


def test_retention_cohorts(api, acme):
    body = api.get("/v1/retention", headers=auth(acme), params={"from": "2025-01-01", "to": "2025-06-30"}).json()
    assert body["cohort_type"] == "organization" and body["period_grain"] == "week"
    first = body["cohorts"][0]
    assert first["cohort_size"] == 4 and first["periods"][0]["retention_rate"] == 1.0
    users = api.get(
        "/v1/retention", headers=auth(acme), params={"cohort_type": "user", "from": "2025-01-01", "to": "2025-06-30"}
    ).json()
    assert sum(c["cohort_size"] for c in users["cohorts"]) == 16


def test_session_stats(api, acme):
    body = api.get("/v1/sessions/stats", headers=auth(acme), params=RANGE).json()
    assert body["sessions"] > 0 and body["users"] == 16
    assert body["median_duration_seconds"] <= body["p90_duration_seconds"]
    one_app = api.get("/v1/sessions/stats", headers=auth(acme), params={**RANGE, "app_id": acme.app_ids[0]}).json()
    assert 0 < one_app["sessions"] < body["sessions"]
    empty = api.get("/v1/sessions/stats", headers=auth(acme), params={"from": "2020-01-01", "to": "2020-01-31"}).json()
    assert empty["sessions"] == 0 and empty["avg_duration_seconds"] is None
    assert api.get("/v1/sessions/stats", headers=auth(acme), params={"from": "1900-01-01"}).status_code == 400


def test_plan_usage(api, acme):
    items = api.get("/v1/usage", headers=auth(acme)).json()["items"]
    assert [i["usage_month"] for i in items] == ["2025-06-01", "2025-05-01"]
    assert items[1]["event_count"] == 31 * 30 and items[1]["organization_count"] == 4


def test_healthz_and_metrics(api, acme):
    assert api.get("/healthz").json() == {"status": "ok"}
    api.get("/v1/organizations", headers=auth(acme))
    api.get("/v1/organizations/org_1/health")
    api.get("/no/such/page")
    text = api.get("/metrics").text
    assert 'route="/v1/organizations",status="200"' in text
    # Refusals under the route template (never the raw path), unknown paths as one label.
    assert 'route="/v1/organizations/{customer_org_id}/health",status="401"' in text
    assert 'route="unmatched",status="404"' in text and "org_1" not in text


def test_a_warehouse_failure_is_503_not_500(api, acme, monkeypatch):
    from metrics_api.settings import metrics_settings

    monkeypatch.setenv("TRACKER_METRICS_API_DATABASE", "no_such_database_api")
    metrics_settings.cache_clear()
    try:
        response = api.get("/v1/organizations", headers=auth(acme))
    finally:
        monkeypatch.undo()
        metrics_settings.cache_clear()
    assert response.status_code == 503 and "retry" in response.json()["detail"]
    assert api.get("/v1/organizations", headers=auth(acme)).status_code == 200


# --- session statistics: the rollup (api_sessions_daily) equals the sessions themselves -------

SESSION_DAYS = st.dates(min_value=FIRST_DAY - timedelta(days=2), max_value=AS_OF + timedelta(days=2))


def _stats_from_the_sessions(tq, start, end, app_id, org) -> dict:
    """What GET /v1/sessions/stats must answer, computed over api_sessions (one row per session)."""
    where = "company_id = {company_id:UUID} AND session_start_date BETWEEN {start:Date} AND {end:Date}"
    if app_id is not None:
        where += " AND app_id = {app_id:UUID}"
    if org is not None:
        where += " AND customer_org_id = {org:String}"
    return tq.one(
        "SELECT count() AS sessions, uniqExactIf(user_hash, user_hash != '') AS users, "
        "if(sessions = 0, NULL, avg(duration_seconds)) AS avg_duration_seconds, "
        "if(sessions = 0, NULL, quantileExact(0.5)(duration_seconds)) AS median_duration_seconds, "
        "if(sessions = 0, NULL, quantileExact(0.9)(duration_seconds)) AS p90_duration_seconds, "
        "if(sessions = 0, NULL, avg(event_count)) AS avg_events, "
        "if(sessions = 0, NULL, countIf(event_count = 1) / sessions) AS bounce_rate "
        f"FROM {{db:Identifier}}.api_sessions WHERE {where}",
        start=start,
        end=end,
        app_id=app_id,
        org=org,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_session_stats_equal_the_sessions_for_random_filters(api, world, data):
    from metrics_api.query import TenantQuery
    from metrics_api.settings import metrics_settings
    from saas_tracker.clickhouse import get_client

    tenant = data.draw(st.sampled_from(world.tenants))
    start, end = sorted((data.draw(SESSION_DAYS), data.draw(SESSION_DAYS)))
    app_id = data.draw(st.none() | st.sampled_from(tenant.app_ids))
    org = data.draw(st.none() | st.sampled_from([*tenant.org_ids, "no-such-org"]))
    params = {"from": start.isoformat(), "to": end.isoformat()}
    params |= {"app_id": app_id} if app_id else {}
    params |= {"customer_org_id": org} if org else {}
    body = api.get("/v1/sessions/stats", headers=auth(tenant), params=params).json()
    tq = TenantQuery(get_client(), tenant.company_id, metrics_settings())
    expected = _stats_from_the_sessions(tq, start, end, app_id, org)
    assert {k: v for k, v in body.items() if k not in ("start", "end")} == expected
