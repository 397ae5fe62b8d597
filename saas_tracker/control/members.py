"""Company members: staff identified by email, with one role per company.

A person may belong to several companies (one row per company and email). A
company that has an owner always keeps at least one: demoting or removing the
last owner is refused.
"""

from __future__ import annotations

import uuid
from typing import Any

from saas_tracker.control import audit, store
from saas_tracker.control.errors import Conflict, NotFound
from saas_tracker.control.models import Member
from saas_tracker.control.validation import require_email, require_role, require_uuid


def _row(member: Member, *, is_deleted: int = 0) -> dict[str, Any]:
    return member.model_dump() | {"version": store.next_version(), "is_deleted": is_deleted}


def _from_row(row: dict[str, Any]) -> Member:
    return Member(
        company_id=row["company_id"],
        email=row["email"],
        role=row["role"],
        added_at=store.as_utc(row["added_at"]),
        updated_at=store.as_utc(row["updated_at"]),
    )


def list_members(company_id: uuid.UUID | str) -> list[Member]:
    rows = store.select(
        "SELECT * FROM tracker_control.members FINAL "
        "WHERE company_id = {company_id:UUID} AND is_deleted = 0 ORDER BY email",
        {"company_id": require_uuid("company_id", company_id)},
    )
    return [_from_row(row) for row in rows]


def memberships(email: str) -> list[Member]:
    """Every company this person belongs to (a cross-tenant read: operators only)."""
    rows = store.select(
        "SELECT * FROM tracker_control.members FINAL "
        "WHERE email = {email:String} AND is_deleted = 0 ORDER BY company_id",
        {"email": require_email(email)},
    )
    return [_from_row(row) for row in rows]


def get_member(company_id: uuid.UUID | str, email: str) -> Member:
    email = require_email(email)
    for member in list_members(company_id):
        if member.email == email:
            return member
    raise NotFound(f"email: {email} is not a member of company {company_id}", field="email")


def _write(before: Member | None, after: Member, *, actor: str, action: str, deleted: bool = False) -> None:
    store.insert("members", [_row(after, is_deleted=int(deleted))])
    audit.record(
        actor=actor,
        company_id=after.company_id,
        entity_type="member",
        entity_id=after.email,
        action=action,
        before=before,
        after=None if deleted else after,
    )


def add_member(company_id: uuid.UUID | str, email: str, role: str, *, actor: str) -> Member:
    from saas_tracker.control.companies import require_active_company

    company = require_active_company(company_id)
    email, role = require_email(email), require_role(role)
    existing = {m.email: m for m in list_members(company.company_id)}
    if email in existing:
        raise Conflict(
            f"email: {email} is already a member of company {company.company_id} "
            f"with role {existing[email].role}; change the role instead",
            field="email",
        )
    now = store.utcnow()
    member = Member(company_id=company.company_id, email=email, role=role, added_at=now, updated_at=now)
    _write(None, member, actor=actor, action="add")
    return member


def _refuse_losing_last_owner(before: Member, action: str) -> None:
    if before.role != "owner":
        return
    owners = [m for m in list_members(before.company_id) if m.role == "owner"]
    if len(owners) <= 1:
        raise Conflict(
            f"email: {before.email} is the last owner of company {before.company_id}; "
            f"make someone else owner before you {action} them",
            field="email",
        )


def set_role(company_id: uuid.UUID | str, email: str, role: str, *, actor: str) -> Member:
    role = require_role(role)
    before = get_member(company_id, email)
    if before.role == role:
        return before
    if role != "owner":
        _refuse_losing_last_owner(before, "demote")
    after = before.model_copy(update={"role": role, "updated_at": store.utcnow()})
    _write(before, after, actor=actor, action="set_role")
    return after


def remove_member(company_id: uuid.UUID | str, email: str, *, actor: str) -> Member:
    before = get_member(company_id, email)
    _refuse_losing_last_owner(before, "remove")
    _write(before, before.model_copy(update={"updated_at": store.utcnow()}), actor=actor, action="remove", deleted=True)
    return before
