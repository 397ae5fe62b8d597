"""Organizations, organization detail and health history over the dbt-built api_ models."""

from __future__ import annotations

from datetime import date, timedelta

from metrics_api.routes import organizations as routes
from tests.metrics_api.conftest import auth

# The health columns under the API's names, read plainly: what the packed columns the API
# reads (api_organizations.detail, api_organization_health_daily.health) must equal.
HEALTH_COLUMNS = "health_date, health_score, health_tier, health_trend, score_change, explanation, " + ", ".join(
    f"{c}_value, {c}_grade, {c}_contribution" for c in routes.COMPONENTS
)


def test_requests_without_a_valid_key_are_refused(api, acme):
    assert api.get("/v1/organizations").status_code == 401
    assert api.get("/v1/organizations", headers={"Authorization": "Bearer nope"}).status_code == 401
    refused = api.get("/v1/organizations", headers=auth(acme, "exports"))
    assert refused.status_code == 403 and "metrics:read" in refused.json()["detail"]


def test_lists_every_organization_of_the_company_with_health(api, acme):
    body = api.get("/v1/organizations", headers=auth(acme), params={"sort": "customer_org_id"}).json()
    assert body["total"] == 4
    assert [o["customer_org_id"] for o in body["items"]] == sorted(acme.org_ids)
    first = body["items"][0]
    assert first["health_tier"] in {"healthy", "neutral", "at_risk"} and 0 <= first["health_score"] <= 100
    assert first["plan"] == "pro" and first["last_seen_at"].startswith("2025-06-")


def test_pagination_filters_and_sort(api, acme):
    page = api.get(
        "/v1/organizations", headers=auth(acme), params={"limit": 3, "offset": 3, "sort": "customer_org_id"}
    ).json()
    assert page["total"] == 4 and [o["customer_org_id"] for o in page["items"]] == [sorted(acme.org_ids)[3]]
    past_the_end = api.get("/v1/organizations", headers=auth(acme), params={"offset": 10}).json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 4
    nobody = api.get("/v1/organizations", headers=auth(acme), params={"plan": "no-such-plan"}).json()
    assert nobody["items"] == [] and nobody["total"] == 0
    free = api.get("/v1/organizations", headers=auth(acme), params={"plan": "free"}).json()
    assert {o["customer_org_id"] for o in free["items"]} == {o for o in acme.org_ids if o.endswith(("3", "4"))}
    tiers = {o["health_tier"] for o in api.get("/v1/organizations", headers=auth(acme)).json()["items"]}
    for tier in tiers:
        only = api.get("/v1/organizations", headers=auth(acme), params={"tier": tier}).json()["items"]
        assert only and {o["health_tier"] for o in only} == {tier}
    scores = [o["health_score"] for o in api.get("/v1/organizations", headers=auth(acme)).json()["items"]]
    assert scores == sorted(scores, reverse=True)


def test_bad_list_parameters_are_422_naming_the_parameter(api, acme):
    response = api.get("/v1/organizations", headers=auth(acme), params={"tier": "great", "limit": 0})
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {("query", "tier"), ("query", "limit")}


def test_organization_detail_has_health_components_adoption_sessions_activity(api, acme):
    org = acme.org_ids[0]
    body = api.get(f"/v1/organizations/{org}", headers=auth(acme)).json()
    assert body["organization"]["customer_org_id"] == org
    health = body["health"]
    assert [c["name"] for c in health["components"]] == [
        "activity_trend", "user_breadth", "feature_breadth", "recency", "engagement"
    ]  # fmt: skip
    assert health["explanation"] and health["health_date"] == "2025-06-12"
    assert {a["feature_key"] for a in body["adoption"]} == {"dashboards", "exports"}
    assert body["sessions"]["sessions"] > 0
    assert body["activity"] and all("2025-05-16" <= d["activity_date"] <= "2025-06-12" for d in body["activity"])
    assert sum(d["event_count"] for d in body["activity"]) == body["organization"]["events_28d"]


def test_unknown_organization_is_404(api, acme, globex):
    missing = api.get("/v1/organizations/nobody", headers=auth(acme))
    assert missing.status_code == 404 and "nobody" in missing.json()["detail"]
    # Another company's organization does not exist for this key.
    assert api.get(f"/v1/organizations/{globex.org_ids[0]}", headers=auth(acme)).status_code == 404
    assert api.get(f"/v1/organizations/{globex.org_ids[0]}/health", headers=auth(acme)).status_code == 404


def test_health_history_is_daily_within_the_range(api, acme):
    org = acme.org_ids[1]
    body = api.get(
        f"/v1/organizations/{org}/health", headers=auth(acme), params={"from": "2025-06-01", "to": "2025-06-10"}
    ).json()
    assert [h["health_date"] for h in body["items"]] == [f"2025-06-{d:02d}" for d in range(1, 11)]
    bad = api.get(
        f"/v1/organizations/{org}/health", headers=auth(acme), params={"from": "2025-06-10", "to": "2025-06-01"}
    )
    assert bad.status_code == 400 and bad.json()["detail"].startswith("from:")


def test_health_history_defaults_to_the_90_days_up_to_the_as_of_date(api, acme):
    org = acme.org_ids[1]
    as_of = date.fromisoformat(
        api.get(f"/v1/organizations/{org}", headers=auth(acme)).json()["organization"]["as_of_date"]
    )
    history = f"/v1/organizations/{org}/health"
    default = api.get(history, headers=auth(acme)).json()["items"]
    explicit = api.get(
        history, headers=auth(acme), params={"from": str(as_of - timedelta(days=89)), "to": str(as_of)}
    ).json()["items"]
    assert default and default == explicit
    assert max(h["health_date"] for h in default) == str(as_of)
    since = api.get(history, headers=auth(acme), params={"from": str(as_of - timedelta(days=2))}).json()["items"]
    assert [h["health_date"] for h in since] == [str(as_of - timedelta(days=d)) for d in (2, 1, 0)]
    # A known organization with no scores in the range is an empty history, not a 404.
    empty = api.get(history, headers=auth(acme), params={"from": "2001-01-01", "to": "2001-01-31"})
    assert empty.status_code == 200 and empty.json()["items"] == []


def _detail_from_the_marts(tq, org: str, as_of, health_date) -> dict:
    """The detail page assembled from the per-mart api_ relations, one query each: what
    api_organizations' detail columns must reproduce exactly."""
    from metrics_api.routes import organizations as routes

    params = {"org": org, "as_of": as_of, "day": health_date}
    where = "company_id = {company_id:UUID} AND customer_org_id = {org:String}"
    health = tq.rows(
        f"SELECT {HEALTH_COLUMNS} FROM {{db:Identifier}}.api_organization_health_daily "
        f"WHERE {where} AND health_date = {{day:Nullable(Date)}}",
        **params,
    )
    adoption = tq.rows(
        "SELECT feature_key, feature_name, is_adopted, first_used_at, last_used_at, event_count, users, "
        f"active_days_in_window FROM {{db:Identifier}}.api_feature_adoption WHERE {where} ORDER BY feature_key",
        **params,
    )
    sessions = tq.one(
        "SELECT count() AS sessions, if(sessions = 0, NULL, avg(duration_seconds)) AS avg_duration_seconds, "
        "if(sessions = 0, NULL, avg(event_count)) AS avg_events FROM {db:Identifier}.api_sessions "
        f"WHERE {where} AND session_start_date BETWEEN {{as_of:Date}} - 27 AND {{as_of:Date}}",
        **params,
    )
    activity = tq.rows(
        "SELECT activity_date, event_count, active_users, session_count, session_seconds, features_used "
        f"FROM {{db:Identifier}}.api_organization_activity_daily WHERE {where} "
        "AND activity_date BETWEEN {as_of:Date} - 27 AND {as_of:Date} ORDER BY activity_date DESC",
        **params,
    )
    return {
        "health": routes._health(health[0]).model_dump(mode="json") if health else None,
        "adoption": [routes.AdoptionOut(**r).model_dump(mode="json") for r in adoption],
        "sessions": routes.SessionSummaryOut(**sessions).model_dump(mode="json"),
        "activity": [routes.ActivityDayOut(**r).model_dump(mode="json") for r in activity],
    }


def test_health_history_equals_the_health_columns(api, world):
    from metrics_api.query import TenantQuery
    from metrics_api.settings import metrics_settings
    from saas_tracker.clickhouse import get_client

    tenant = world.tenants[0]
    tq = TenantQuery(get_client(), tenant.company_id, metrics_settings())
    for org in tenant.org_ids:
        rows = tq.rows(
            f"SELECT {HEALTH_COLUMNS} FROM {{db:Identifier}}.api_organization_health_daily "
            "WHERE company_id = {company_id:UUID} AND customer_org_id = {org:String} ORDER BY health_date",
            org=org,
        )
        expected = [routes._health(r).model_dump(mode="json") for r in rows]
        params = {"from": "2025-01-01", "to": "2025-12-31"}
        history = api.get(f"/v1/organizations/{org}/health", headers=auth(tenant), params=params).json()
        assert expected and history["items"] == expected


def test_list_items_equal_the_organization_columns(api, world):
    # The list reads api_organizations' packed `summary`; it must say what the plain columns say.
    from metrics_api.query import TenantQuery
    from metrics_api.settings import metrics_settings
    from saas_tracker.clickhouse import get_client

    columns = (
        "customer_org_id, org_plan AS plan, health_score, health_tier, health_trend, health_score_change, "
        "health_date, first_seen_at, last_seen_at, days_since_last_seen, active_users_7d, active_users_28d, "
        "users, events_28d, event_count, application_count, is_active_28d, as_of_date"
    )
    for tenant in world.tenants:
        tq = TenantQuery(get_client(), tenant.company_id, metrics_settings())
        rows = tq.rows(
            f"SELECT {columns} FROM {{db:Identifier}}.api_organizations WHERE company_id = {{company_id:UUID}} "
            "ORDER BY customer_org_id"
        )
        expected = [routes.OrganizationOut(**r).model_dump(mode="json") for r in rows]
        listed = api.get("/v1/organizations", headers=auth(tenant), params={"sort": "customer_org_id", "limit": 500})
        assert listed.json()["items"] == expected


def test_organization_detail_equals_the_marts_for_every_organization(api, world):
    from metrics_api.query import TenantQuery
    from metrics_api.settings import metrics_settings
    from saas_tracker.clickhouse import get_client

    for tenant in world.tenants:
        tq = TenantQuery(get_client(), tenant.company_id, metrics_settings())
        for org in tenant.org_ids:
            body = api.get(f"/v1/organizations/{org}", headers=auth(tenant)).json()
            organization = body["organization"]
            expected = _detail_from_the_marts(tq, org, organization["as_of_date"], organization["health_date"])
            assert {k: body[k] for k in expected} == expected
