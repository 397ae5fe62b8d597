"""Subscriptions: a company's plan and the terms in force, with history.

Terms are copied from the plan when a period opens (Checkly-style), then the
overrides (negotiated price, limits, flags) are applied on top. Any change of
terms closes the open period (``valid_to``) and opens a new one, so the terms
in force at any past moment stay answerable: ``tracker_control.subscription_periods``.

Billing is by calendar month (UTC), the grain of the plan-usage model; limits
are evaluated by the models, never at ingest. One limit is enforced here: the
application cap, because it is a control-plane action (see applications.py).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pydantic

from saas_tracker.control import audit, plans, store
from saas_tracker.control.errors import LimitExceeded, NotFound
from saas_tracker.control.models import Plan, Subscription, SubscriptionOverrides
from saas_tracker.control.validation import from_pydantic, require_flag, require_uuid

_TERMS = (
    "list_price",
    "events_per_month",
    "max_applications",
    "retention_days",
    "overage_price_per_1000",
    "grace_days",
)


def parse_overrides(data: dict[str, Any] | SubscriptionOverrides | None) -> SubscriptionOverrides:
    if isinstance(data, SubscriptionOverrides):
        overrides = data
    else:
        try:
            overrides = SubscriptionOverrides.model_validate(data or {})
        except pydantic.ValidationError as error:
            raise from_pydantic(error, prefix="overrides.") from None
    for flag in overrides.feature_flags:
        require_flag(flag, "overrides.feature_flags")
    return overrides


def _current_period(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    next_month = (start + timedelta(days=32)).replace(day=1)
    return start, next_month - timedelta(days=1)


def _terms(plan: Plan, overrides: SubscriptionOverrides) -> dict[str, Any]:
    given = overrides.model_fields_set
    terms = {name: getattr(overrides, name) if name in given else getattr(plan, name) for name in _TERMS}
    flags = set(plan.feature_flags)
    for flag, enabled in overrides.feature_flags.items():
        (flags.add if enabled else flags.discard)(flag)
    return terms | {"feature_flags": sorted(flags)}


def _row(subscription: Subscription) -> dict[str, Any]:
    row = subscription.model_dump(exclude={"current_period_start", "current_period_end"})
    return row | {
        "overrides": json.dumps(subscription.overrides, sort_keys=True),
        "version": store.next_version(),
        "is_deleted": 0,
    }


def _from_row(row: dict[str, Any]) -> Subscription:
    start, end = _current_period(store.utcnow().date())
    return Subscription.model_validate(
        {k: v for k, v in row.items() if k in Subscription.model_fields}
        | {
            "overrides": json.loads(row["overrides"] or "{}"),
            "trial_ends_at": store.as_utc(row["trial_ends_at"]),
            "valid_from": store.as_utc(row["valid_from"]),
            "valid_to": store.as_utc(row["valid_to"]),
            "current_period_start": start,
            "current_period_end": end,
        }
    )


def _open_period(
    company_id: uuid.UUID, plan: Plan, overrides: SubscriptionOverrides, now: datetime, since: datetime | None = None
) -> Subscription:
    """A period in force from ``since`` (default: now); a trial runs from its start."""
    start, end = _current_period(now.date())
    valid_from = since or now
    trial_ends_at = valid_from + timedelta(days=plan.trial_days) if plan.trial_days else None
    return Subscription(
        company_id=company_id,
        period_id=uuid.uuid4(),
        plan_key=plan.plan_key,
        status="trialing" if trial_ends_at is not None and trial_ends_at > now else "active",
        currency=plan.currency,
        overrides=overrides.as_dict(),
        trial_ends_at=trial_ends_at,
        current_period_start=start,
        current_period_end=end,
        valid_from=valid_from,
        valid_to=None,
        **_terms(plan, overrides),
    )


def start_subscription(
    company_id: uuid.UUID,
    plan: Plan,
    *,
    overrides: SubscriptionOverrides | None = None,
    since: datetime | None = None,
    actor: str,
) -> Subscription:
    """The first period of a new company's subscription (called by create_company), in
    force from ``since`` when the company was a customer before it was created here."""
    subscription = _open_period(company_id, plan, parse_overrides(overrides), store.utcnow(), since)
    store.insert("subscriptions", [_row(subscription)])
    audit.record(
        actor=actor,
        company_id=company_id,
        entity_type="subscription",
        entity_id=str(company_id),
        action="start",
        after=subscription,
    )
    return subscription


def get_subscription(company_id: uuid.UUID | str) -> Subscription:
    """The terms in force now."""
    company_id = require_uuid("company_id", company_id)
    rows = store.select(
        """
        SELECT * FROM tracker_control.subscriptions FINAL
        WHERE company_id = {company_id:UUID} AND is_deleted = 0 AND valid_to IS NULL
        ORDER BY valid_from DESC LIMIT 1
        """,
        {"company_id": company_id},
    )
    if not rows:
        raise NotFound(f"company_id: company {company_id} has no subscription", field="company_id")
    return _from_row(rows[0])


def history(company_id: uuid.UUID | str) -> list[Subscription]:
    """Every period, oldest first; the last one is open (valid_to None)."""
    rows = store.select(
        """
        SELECT * FROM tracker_control.subscriptions FINAL
        WHERE company_id = {company_id:UUID} AND is_deleted = 0
        ORDER BY valid_from, valid_to IS NULL, valid_to
        """,
        {"company_id": require_uuid("company_id", company_id)},
    )
    return [_from_row(row) for row in rows]


def _replace(
    before: Subscription, plan: Plan, overrides: SubscriptionOverrides, *, actor: str, action: str
) -> Subscription:
    now = store.utcnow()
    after = _open_period(before.company_id, plan, overrides, now)
    if plan.plan_key == before.plan_key and plan.trial_days:
        # New terms on the same trial must not restart the trial clock.
        after = after.model_copy(update={"trial_ends_at": before.trial_ends_at})
    _check_application_cap(after)
    closed = before.model_copy(update={"valid_to": now})
    store.insert("subscriptions", [_row(closed), _row(after)])
    audit.record(
        actor=actor,
        company_id=before.company_id,
        entity_type="subscription",
        entity_id=str(before.company_id),
        action=action,
        before=before,
        after=after,
    )
    return after


def _check_application_cap(subscription: Subscription) -> None:
    from saas_tracker.control.applications import count_active_applications

    cap = subscription.max_applications
    if cap is None:
        return
    active = count_active_applications(subscription.company_id)
    if active > cap:
        raise LimitExceeded(
            f"plan: application cap exceeded: plan {subscription.plan_key!r} allows {cap} "
            f"application(s) and company {subscription.company_id} has {active} active; "
            "archive applications first or override max_applications",
            field="plan",
        )


def change_plan(
    company_id: uuid.UUID | str,
    plan_key: str,
    *,
    overrides: SubscriptionOverrides | dict[str, Any] | None = None,
    actor: str,
) -> Subscription:
    """Move to ``plan_key`` with its current catalogue terms; previous overrides end with the old plan."""
    before = get_subscription(company_id)
    plan = plans.require_plan(plan_key)
    wanted = parse_overrides(overrides)
    if plan.plan_key == before.plan_key and wanted.as_dict() == before.overrides:
        return before
    return _replace(before, plan, wanted, actor=actor, action="change_plan")


def set_overrides(
    company_id: uuid.UUID | str,
    overrides: SubscriptionOverrides | dict[str, Any],
    *,
    replace: bool = False,
    actor: str,
) -> Subscription:
    """Override terms of the current plan; merges with earlier overrides unless ``replace``.

    The plan's terms are re-read from its catalogue row, so the result is the
    same as choosing this plan with these overrides today.
    """
    before = get_subscription(company_id)
    given = parse_overrides(overrides)
    merged = given.as_dict()
    if not replace:
        flags = dict(before.overrides.get("feature_flags", {})) | merged.pop("feature_flags", {})
        merged = {k: v for k, v in before.overrides.items() if k != "feature_flags"} | merged
        if flags:
            merged["feature_flags"] = flags
    wanted = parse_overrides(merged)
    if wanted.as_dict() == before.overrides:
        return before
    plan = plans.get_plan(before.plan_key)
    return _replace(before, plan, wanted, actor=actor, action="set_overrides")
