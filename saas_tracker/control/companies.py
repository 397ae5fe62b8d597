"""Companies: the tenants. Creating one also starts its subscription and, given an
owner's email, makes that person its owner."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from saas_tracker.control import api_keys, audit, credentials, members, plans, store, subscriptions
from saas_tracker.control.errors import Conflict, NotFound
from saas_tracker.control.models import Company, SubscriptionOverrides
from saas_tracker.control.validation import require_email, require_name, require_past_moment, require_uuid


def _row(company: Company) -> dict[str, Any]:
    return company.model_dump() | {"version": store.next_version(), "is_deleted": 0}


def _from_row(row: dict[str, Any]) -> Company:
    return Company(
        company_id=row["company_id"],
        name=row["name"],
        status=row["status"],
        created_at=store.as_utc(row["created_at"]),
        updated_at=store.as_utc(row["updated_at"]),
    )


def create_company(
    name: str,
    plan: str,
    *,
    actor: str,
    owner_email: str | None = None,
    overrides: SubscriptionOverrides | None = None,
    subscribed_since: date | datetime | None = None,
) -> Company:
    """A new active company subscribed to ``plan``; every input is checked before anything is written.

    ``subscribed_since`` backdates the subscription (a date means its first moment, UTC):
    for a customer moved from another system with its event history, whose earlier
    months must be measured against the plan it was on, not against no plan at all.
    """
    name = require_name("name", name)
    chosen = plans.require_plan(plan)
    owner = require_email(owner_email, "owner") if owner_email is not None else None
    overrides = subscriptions.parse_overrides(overrides)
    now = store.utcnow()
    since = require_past_moment("subscribed_since", subscribed_since, now) if subscribed_since is not None else None
    company = Company(company_id=uuid.uuid4(), name=name, status="active", created_at=now, updated_at=now)
    store.insert("companies", [_row(company)])
    audit.record(
        actor=actor,
        company_id=company.company_id,
        entity_type="company",
        entity_id=str(company.company_id),
        action="create",
        after=company,
    )
    subscriptions.start_subscription(company.company_id, chosen, overrides=overrides, since=since, actor=actor)
    if owner is not None:
        members.add_member(company.company_id, owner, "owner", actor=actor)
    return company


def get_company(company_id: uuid.UUID | str) -> Company:
    company_id = require_uuid("company_id", company_id)
    rows = store.select(
        "SELECT * FROM tracker_control.companies FINAL WHERE company_id = {company_id:UUID} AND is_deleted = 0",
        {"company_id": company_id},
    )
    if not rows:
        raise NotFound(f"company_id: no company {company_id}", field="company_id")
    return _from_row(rows[0])


def require_active_company(company_id: uuid.UUID | str) -> Company:
    company = get_company(company_id)
    if company.status != "active":
        raise Conflict(f"company_id: company {company.company_id} is {company.status}", field="company_id")
    return company


def list_companies(*, include_archived: bool = False) -> list[Company]:
    rows = store.select(
        """
        SELECT * FROM tracker_control.companies FINAL
        WHERE is_deleted = 0 AND ({include_archived:Bool} OR status = 'active')
        ORDER BY created_at, company_id
        """,
        {"include_archived": include_archived},
    )
    return [_from_row(row) for row in rows]


def _update(before: Company, *, actor: str, action: str, **changes: Any) -> Company:
    after = before.model_copy(update=changes | {"updated_at": store.utcnow()})
    store.insert("companies", [_row(after)])
    audit.record(
        actor=actor,
        company_id=after.company_id,
        entity_type="company",
        entity_id=str(after.company_id),
        action=action,
        before=before,
        after=after,
    )
    return after


def rename_company(company_id: uuid.UUID | str, name: str, *, actor: str) -> Company:
    name = require_name("name", name)
    return _update(get_company(company_id), actor=actor, action="rename", name=name)


def archive_company(company_id: uuid.UUID | str, *, actor: str) -> Company:
    """Archived companies keep their data; their ingest credentials and API keys stop working."""
    before = get_company(company_id)
    if before.status == "archived":
        return before
    after = _update(before, actor=actor, action="archive", status="archived")
    # This process stops accepting the company's credentials at once; others within their TTLs.
    credentials.invalidate()
    api_keys.forget_company(after.company_id)
    return after
