"""The views dbt reads as sources give one current row per entity, whatever the history."""

from __future__ import annotations

from saas_tracker.control import applications, features, members, plans, subscriptions
from tests.control_plane.conftest import ACTOR


def _rows(ch, sql, company_id):
    return ch.query(sql, parameters={"c": company_id}).named_results()


def test_current_views_have_one_row_per_entity(ch, make_company):
    company = make_company(plan="starter", owner="o@example.com")
    cid = company.company_id
    subscriptions.change_plan(cid, "growth", actor=ACTOR)
    subscriptions.set_overrides(cid, {"list_price": 250}, actor=ACTOR)
    app = applications.create_application(cid, "Web", actor=ACTOR)
    applications.update_application(app.application.app_id, name="Web app", actor=ACTOR)
    members.set_role(cid, "o@example.com", "owner", actor=ACTOR)
    members.add_member(cid, "v@example.com", "viewer", actor=ACTOR)
    members.remove_member(cid, "v@example.com", actor=ACTOR)
    for events in (["a"], ["a", "b"], ["b"]):
        features.apply_features(cid, [{"key": "f1", "events": events}, {"key": "f2", "path_prefix": "/x"}], actor=ACTOR)
    features.retire_feature(cid, "f2", actor=ACTOR)

    subs = list(_rows(ch, "SELECT * FROM tracker_control.current_subscriptions WHERE company_id = {c:UUID}", cid))
    assert len(subs) == 1
    assert (subs[0]["plan_key"], float(subs[0]["list_price"]), subs[0]["max_applications"]) == ("growth", 250.0, 10)
    assert subs[0]["current_period_start"].day == 1

    periods = list(
        _rows(
            ch,
            "SELECT * FROM tracker_control.subscription_periods WHERE company_id = {c:UUID} ORDER BY valid_from",
            cid,
        )
    )
    assert [p["plan_key"] for p in periods] == ["starter", "growth", "growth"]
    assert [p["valid_to"] is None for p in periods] == [False, False, True]

    defs = {
        r["feature_key"]: r
        for r in _rows(ch, "SELECT * FROM tracker_control.current_feature_definitions WHERE company_id = {c:UUID}", cid)
    }
    assert set(defs) == {"f1", "f2"}
    assert (defs["f1"]["event_names"], defs["f1"]["status"], defs["f2"]["status"]) == (["b"], "active", "retired")

    apps = list(_rows(ch, "SELECT * FROM tracker_control.current_applications WHERE company_id = {c:UUID}", cid))
    assert [(a["name"], a["status"]) for a in apps] == [("Web app", "active")]
    people = list(_rows(ch, "SELECT * FROM tracker_control.current_members WHERE company_id = {c:UUID}", cid))
    assert [(p["email"], p["role"]) for p in people] == [("o@example.com", "owner")]
    companies_rows = list(_rows(ch, "SELECT * FROM tracker_control.current_companies WHERE company_id = {c:UUID}", cid))
    assert len(companies_rows) == 1


def test_current_plans_one_row_per_plan(ch, control):
    plans.sync_catalogue(actor=ACTOR)
    rows = ch.query(
        "SELECT plan_key, count() AS n FROM tracker_control.current_plans GROUP BY plan_key"
    ).named_results()
    counts = {r["plan_key"]: r["n"] for r in rows}
    assert {"trial", "starter", "growth", "enterprise"} <= set(counts) and set(counts.values()) == {1}


def test_views_hide_bookkeeping_and_secret_columns(ch, control):
    for view in (
        "current_companies",
        "current_members",
        "current_applications",
        "current_plans",
        "current_subscriptions",
        "subscription_periods",
        "current_feature_definitions",
    ):
        columns = {r[0] for r in ch.query(f"DESCRIBE TABLE tracker_control.{view}").result_rows}
        assert not columns & {"version", "is_deleted", "secret_ciphertext", "key_hash"}, view
