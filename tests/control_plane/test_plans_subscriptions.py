"""The plan catalogue (analyst-edited YAML) and subscriptions with overrides and history."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import yaml

from saas_tracker.control import applications, companies, plans, subscriptions
from saas_tracker.control.errors import LimitExceeded, NotFound, ValidationError
from tests.control_plane.conftest import ACTOR


def test_packaged_catalogue_has_the_four_tiers(control):
    catalogue = {p.plan_key: p for p in plans.list_plans()}
    assert list(catalogue) == ["trial", "starter", "growth", "enterprise"]
    enterprise = catalogue["enterprise"]
    assert enterprise.events_per_month is None and enterprise.max_applications is None
    assert catalogue["starter"].overage_price_per_1000 == Decimal("0.05")
    assert catalogue["trial"].trial_days == 14


def test_sync_is_idempotent(control):
    result = plans.sync_catalogue(actor=ACTOR)
    assert (result.created, result.updated, result.retired) == ([], [], [])
    assert result.unchanged == ["trial", "starter", "growth", "enterprise"]


def test_analyst_edits_are_synced_and_removed_plans_retired(control, tmp_path):
    data = yaml.safe_load(plans.CATALOGUE_PATH.read_text())
    data["plans"] = [p for p in data["plans"] if p["key"] != "enterprise"]
    data["plans"][1]["list_price"] = 59
    edited = tmp_path / "plans.yml"
    edited.write_text(yaml.safe_dump(data))
    try:
        result = plans.sync_catalogue(edited, actor=ACTOR)
        assert (result.updated, result.retired) == (["starter"], ["enterprise"])
        assert plans.get_plan("starter").list_price == Decimal("59")
        assert plans.get_plan("enterprise").status == "retired"
        with pytest.raises(ValidationError, match="plan: 'enterprise' is retired; plans are trial, starter, growth"):
            plans.require_plan("enterprise")
    finally:
        restored = plans.sync_catalogue(actor=ACTOR)
    assert set(restored.updated) == {"starter", "enterprise"}
    assert plans.get_plan("enterprise").status == "active"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["plans"][0].update(list_price=-1),
            r"plans\.0\.list_price: Input should be greater than or equal to 0",
        ),
        (lambda d: d["plans"][0].update(colour="red"), r"plans\.0\.colour: Extra inputs are not permitted"),
        (lambda d: d["plans"][1].update(key="trial"), r"plans\[1\]\.key: duplicate plan key 'trial'"),
        (lambda d: d["plans"][0].update(key="Trial Plan"), r"plans\.0\.key: String should match pattern"),
        (lambda d: d["plans"][0].pop("retention_days"), r"plans\.0\.retention_days: Field required"),
    ],
)
def test_malformed_catalogue_is_refused_naming_the_field(control, tmp_path, change, message):
    data = yaml.safe_load(plans.CATALOGUE_PATH.read_text())
    change(data)
    path = tmp_path / "plans.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ValidationError, match=message):
        plans.sync_catalogue(path, actor=ACTOR)


def test_duplicate_yaml_key_is_refused(tmp_path):
    path = tmp_path / "plans.yml"
    path.write_text("currency: USD\ncurrency: EUR\nplans: []\n")
    with pytest.raises(ValidationError, match="line 2: duplicate key 'currency'"):
        plans.load_catalogue(path)


def test_unknown_plan(control):
    with pytest.raises(NotFound, match="plan: unknown plan 'gold'"):
        plans.get_plan("gold")


def test_subscription_copies_plan_terms(make_company):
    company = make_company(plan="trial")
    sub = subscriptions.get_subscription(company.company_id)
    assert sub.status == "trialing" and sub.trial_ends_at is not None
    assert (sub.list_price, sub.events_per_month, sub.retention_days, sub.grace_days) == (0, 100_000, 30, 0)
    assert sub.current_period_start.day == 1 and sub.current_period_end >= sub.current_period_start
    assert sub.overrides == {}


def test_backdated_subscription_is_in_force_since_that_day(control):
    since = (datetime.now(UTC) - timedelta(days=40)).date()
    company = companies.create_company(f"Moved {uuid.uuid4().hex[:8]}", "trial", subscribed_since=since, actor=ACTOR)

    [period] = subscriptions.history(company.company_id)
    assert period.valid_from == datetime.combine(since, time.min, UTC)
    # The trial ran from that day, so it is over.
    assert period.trial_ends_at == period.valid_from + timedelta(days=plans.get_plan("trial").trial_days)
    assert period.status == "active"
    assert subscriptions.get_subscription(company.company_id) == period


@pytest.mark.parametrize(
    ("since", "message"),
    [
        (datetime.now(UTC).date() + timedelta(days=2), "subscribed_since: must not be in the future"),
        (datetime(2026, 1, 1, 12), "subscribed_since: a date and time needs a time zone"),
        ("2026-01-01", "subscribed_since: '2026-01-01' is not a date"),
        (date(1999, 12, 31), "subscribed_since: must be in 2000 or later"),
    ],
)
def test_bad_backdated_subscription_is_refused_and_nothing_is_written(control, since, message):
    name = f"Moved {uuid.uuid4().hex}"
    with pytest.raises(ValidationError, match=message):
        companies.create_company(name, "growth", subscribed_since=since, actor=ACTOR)
    assert name not in {c.name for c in companies.list_companies(include_archived=True)}


def test_change_plan_keeps_history(make_company):
    company = make_company(plan="starter")
    grown = subscriptions.change_plan(company.company_id, "growth", actor=ACTOR)
    assert (grown.plan_key, grown.max_applications) == ("growth", 10)
    # Same plan, no overrides: nothing changes.
    assert subscriptions.change_plan(company.company_id, "growth", actor=ACTOR) == grown
    subscriptions.change_plan(company.company_id, "enterprise", actor=ACTOR)

    periods = subscriptions.history(company.company_id)
    assert [p.plan_key for p in periods] == ["starter", "growth", "enterprise"]
    assert all(p.valid_to is not None for p in periods[:-1]) and periods[-1].valid_to is None
    assert periods[0].valid_to == periods[1].valid_from


def test_change_plan_refuses_unknown_plan(company):
    with pytest.raises(ValidationError, match="plan: 'platinum' is an unknown plan"):
        subscriptions.change_plan(company.company_id, "platinum", actor=ACTOR)


def test_downgrade_below_active_applications_is_refused(make_company):
    company = make_company(plan="growth")
    for name in ("A", "B", "C"):
        applications.create_application(company.company_id, name, actor=ACTOR)
    with pytest.raises(LimitExceeded, match="plan: application cap exceeded: plan 'starter' allows 2 application"):
        subscriptions.change_plan(company.company_id, "starter", actor=ACTOR)
    assert subscriptions.get_subscription(company.company_id).plan_key == "growth"


def test_overrides_apply_on_top_of_the_plan_and_merge(make_company):
    company = make_company(plan="starter")
    cid = company.company_id
    first = subscriptions.set_overrides(cid, {"list_price": "39.50", "feature_flags": {"sso": True}}, actor=ACTOR)
    assert first.list_price == Decimal("39.50") and "sso" in first.feature_flags
    second = subscriptions.set_overrides(
        cid, {"events_per_month": None, "feature_flags": {"exports": False}}, actor=ACTOR
    )
    assert second.list_price == Decimal("39.50")  # merged with the earlier override
    assert second.events_per_month is None  # explicitly unlimited
    assert second.feature_flags == ["dashboards", "sso"]
    assert second.overrides == {
        "events_per_month": None,
        "feature_flags": {"exports": False, "sso": True},
        "list_price": "39.50",
    }
    replaced = subscriptions.set_overrides(cid, {"grace_days": 14}, replace=True, actor=ACTOR)
    assert (replaced.list_price, replaced.events_per_month, replaced.grace_days) == (Decimal("49"), 1_000_000, 14)
    assert len(subscriptions.history(cid)) == 4


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"list_price": -5}, "overrides.list_price: Input should be greater than or equal to 0"),
        ({"retention_days": None}, "overrides: retention_days cannot be null"),
        ({"seats": 3}, "overrides.seats: Extra inputs are not permitted"),
        ({"list_price": "1e20"}, "overrides.list_price: Decimal input should have no more than 12 digits"),
        ({"max_applications": 2**40}, "overrides.max_applications: Input should be less than or equal to"),
        ({"feature_flags": {"Bad Flag": True}}, "overrides.feature_flags: 'Bad Flag' is not a flag name"),
    ],
)
def test_bad_overrides_are_refused(company, overrides, message):
    with pytest.raises(ValidationError, match=message):
        subscriptions.set_overrides(company.company_id, overrides, actor=ACTOR)
