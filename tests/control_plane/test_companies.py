"""Companies and members: creation with a plan and owner, roles, several companies per person."""

from __future__ import annotations

import uuid

import pytest

from saas_tracker.control import companies, members, subscriptions
from saas_tracker.control.errors import Conflict, NotFound, ValidationError
from tests.control_plane.conftest import ACTOR


def test_create_company_subscribes_to_plan_and_adds_owner(make_company):
    created = make_company(plan="starter", owner="  Ada@Example.COM ")

    assert companies.get_company(created.company_id) == created
    assert created.status == "active"
    subscription = subscriptions.get_subscription(created.company_id)
    assert (subscription.plan_key, subscription.max_applications, subscription.events_per_month) == (
        "starter",
        2,
        1_000_000,
    )
    assert [(m.email, m.role) for m in members.list_members(created.company_id)] == [("ada@example.com", "owner")]


def test_unknown_plan_is_refused_naming_the_plans_and_nothing_is_written(control):
    name = f"Gold {uuid.uuid4().hex}"
    with pytest.raises(
        ValidationError, match=r"plan: 'gold' is an unknown plan; plans are trial, starter, growth, enterprise"
    ):
        companies.create_company(name, "gold", actor=ACTOR)
    assert name not in {c.name for c in companies.list_companies(include_archived=True)}


@pytest.mark.parametrize(
    ("name", "owner", "message"),
    [
        ("", None, "name: must not be empty"),
        ("x" * 201, None, "name: at most 200 characters"),
        ("Acme", "not-an-email", "owner: 'not-an-email' is not an email address"),
    ],
)
def test_bad_company_input_is_refused(control, name, owner, message):
    with pytest.raises(ValidationError, match=message):
        companies.create_company(name, "trial", owner_email=owner, actor=ACTOR)


def test_get_unknown_or_malformed_company(control):
    with pytest.raises(NotFound, match="company_id: no company"):
        companies.get_company(uuid.uuid4())
    with pytest.raises(ValidationError, match="company_id: 'nope' is not a UUID"):
        companies.get_company("nope")


def test_archive_company_is_idempotent_and_blocks_new_applications(company):
    from saas_tracker.control import applications

    archived = companies.archive_company(company.company_id, actor=ACTOR)
    assert archived.status == "archived"
    assert companies.archive_company(company.company_id, actor=ACTOR) == archived
    assert company.company_id not in {c.company_id for c in companies.list_companies()}
    with pytest.raises(Conflict, match=f"company_id: company {company.company_id} is archived"):
        applications.create_application(company.company_id, "Late", actor=ACTOR)


def test_rename_company(company):
    renamed = companies.rename_company(company.company_id, "New name", actor=ACTOR)
    assert companies.get_company(company.company_id).name == "New name" == renamed.name


def test_member_roles_lifecycle(make_company):
    created = make_company(owner="owner@example.com")
    cid = created.company_id
    members.add_member(cid, "Bob@Example.com", "viewer", actor=ACTOR)
    assert members.set_role(cid, "bob@example.com", "admin", actor=ACTOR).role == "admin"
    removed = members.remove_member(cid, "bob@example.com", actor=ACTOR)
    assert removed.email == "bob@example.com"
    assert [m.email for m in members.list_members(cid)] == ["owner@example.com"]
    # Removed people can be added again.
    assert members.add_member(cid, "bob@example.com", "member", actor=ACTOR).role == "member"


def test_member_bad_inputs(make_company):
    cid = make_company(owner="owner@example.com").company_id
    with pytest.raises(ValidationError, match="role: unknown role 'superuser'; roles are owner, admin, member, viewer"):
        members.add_member(cid, "x@example.com", "superuser", actor=ACTOR)
    with pytest.raises(ValidationError, match="email: 'x@' is not an email address"):
        members.add_member(cid, "x@", "viewer", actor=ACTOR)
    with pytest.raises(Conflict, match="email: owner@example.com is already a member .* with role owner"):
        members.add_member(cid, "owner@example.com", "viewer", actor=ACTOR)
    with pytest.raises(NotFound, match="email: nobody@example.com is not a member"):
        members.set_role(cid, "nobody@example.com", "admin", actor=ACTOR)


def test_last_owner_cannot_be_demoted_or_removed(make_company):
    cid = make_company(owner="solo@example.com").company_id
    with pytest.raises(Conflict, match="solo@example.com is the last owner"):
        members.set_role(cid, "solo@example.com", "admin", actor=ACTOR)
    with pytest.raises(Conflict, match="solo@example.com is the last owner"):
        members.remove_member(cid, "solo@example.com", actor=ACTOR)
    members.add_member(cid, "second@example.com", "owner", actor=ACTOR)
    members.remove_member(cid, "solo@example.com", actor=ACTOR)
    assert [(m.email, m.role) for m in members.list_members(cid)] == [("second@example.com", "owner")]


def test_a_person_can_belong_to_several_companies_with_different_roles(make_company):
    email = f"consultant-{uuid.uuid4().hex[:8]}@example.com"
    first = make_company(owner=email)
    second = make_company()
    members.add_member(second.company_id, email, "viewer", actor=ACTOR)

    roles = {m.company_id: m.role for m in members.memberships(email)}
    assert roles == {first.company_id: "owner", second.company_id: "viewer"}
