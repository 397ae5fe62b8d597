"""`saas-tracker admin company|member ...`: tenants and their staff."""

from __future__ import annotations

from datetime import datetime

import click

from saas_tracker.cli.admin._common import (
    actor_option,
    default_actor,
    emit,
    handles_errors,
    json_option,
    table,
    to_jsonable,
)


@click.group()
def company() -> None:
    """Companies (tenants)."""


@company.command("create")
@click.argument("name")
@click.option("--plan", required=True, help="Plan key, e.g. trial, starter, growth, enterprise.")
@click.option("--owner", "owner_email", default=None, metavar="EMAIL", help="Make this person the owner.")
@click.option(
    "--subscribed-since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="Backdate the subscription to this day (UTC), for a customer whose event history starts earlier.",
)
@actor_option
@json_option
@handles_errors
def company_create(
    name: str,
    plan: str,
    owner_email: str | None,
    subscribed_since: datetime | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Create a company subscribed to PLAN; prints its company_id."""
    from saas_tracker.control import companies, subscriptions

    created = companies.create_company(
        name,
        plan,
        owner_email=owner_email,
        subscribed_since=subscribed_since.date() if subscribed_since else None,
        actor=actor or default_actor(),
    )
    subscription = subscriptions.get_subscription(created.company_id)
    payload = to_jsonable(created) | {
        "plan": subscription.plan_key,
        "owner": owner_email and owner_email.strip().lower(),
        "subscribed_since": subscription.valid_from.isoformat(),
    }
    emit(
        as_json,
        payload,
        [
            f"company_id: {created.company_id}",
            f"name:       {created.name}",
            f"plan:       {subscription.plan_key} (since {subscription.valid_from:%Y-%m-%d %H:%M} UTC)",
        ],
    )


@company.command("list")
@click.option("--all", "include_archived", is_flag=True, help="Include archived companies.")
@json_option
@handles_errors
def company_list(include_archived: bool, as_json: bool) -> None:
    """List companies."""
    from saas_tracker.control import companies

    found = companies.list_companies(include_archived=include_archived)
    emit(
        as_json,
        {"companies": found},
        table([[c.company_id, c.status, c.name] for c in found], ["COMPANY_ID", "STATUS", "NAME"]),
    )


@company.command("show")
@click.argument("company_id")
@json_option
@handles_errors
def company_show(company_id: str, as_json: bool) -> None:
    """A company with its subscription, members and applications."""
    from saas_tracker.control import applications, companies, members, subscriptions

    found = companies.get_company(company_id)
    subscription = subscriptions.get_subscription(found.company_id)
    people = members.list_members(found.company_id)
    apps = applications.list_applications(found.company_id, include_archived=True)
    payload = {"company": found, "subscription": subscription, "members": people, "applications": apps}
    emit(
        as_json,
        payload,
        [
            f"company_id: {found.company_id}",
            f"name:       {found.name}",
            f"status:     {found.status}",
            f"plan:       {subscription.plan_key} (since {subscription.valid_from:%Y-%m-%d})",
            "members:",
            table([[m.email, m.role] for m in people], ["EMAIL", "ROLE"]),
            "applications:",
            table([[a.app_id, a.status, a.name] for a in apps], ["APP_ID", "STATUS", "NAME"]),
        ],
    )


@company.command("archive")
@click.argument("company_id")
@actor_option
@json_option
@handles_errors
def company_archive(company_id: str, actor: str | None, as_json: bool) -> None:
    """Archive a company: its data stays, its credentials and API keys stop working."""
    from saas_tracker.control import companies

    archived = companies.archive_company(company_id, actor=actor or default_actor())
    emit(as_json, to_jsonable(archived), f"archived company {archived.company_id}")


@click.group()
def member() -> None:
    """Company members (staff, by email) and their roles."""


@member.command("add")
@click.option("--company", "company_id", required=True)
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["owner", "admin", "member", "viewer"]))
@actor_option
@json_option
@handles_errors
def member_add(company_id: str, email: str, role: str, actor: str | None, as_json: bool) -> None:
    """Add EMAIL to a company with a role."""
    from saas_tracker.control import members

    added = members.add_member(company_id, email, role, actor=actor or default_actor())
    emit(as_json, to_jsonable(added), f"{added.email} is {added.role} of {added.company_id}")


@member.command("set-role")
@click.option("--company", "company_id", required=True)
@click.argument("email")
@click.argument("role", type=click.Choice(["owner", "admin", "member", "viewer"]))
@actor_option
@json_option
@handles_errors
def member_set_role(company_id: str, email: str, role: str, actor: str | None, as_json: bool) -> None:
    """Change a member's role."""
    from saas_tracker.control import members

    changed = members.set_role(company_id, email, role, actor=actor or default_actor())
    emit(as_json, to_jsonable(changed), f"{changed.email} is {changed.role} of {changed.company_id}")


@member.command("remove")
@click.option("--company", "company_id", required=True)
@click.argument("email")
@actor_option
@json_option
@handles_errors
def member_remove(company_id: str, email: str, actor: str | None, as_json: bool) -> None:
    """Remove a member from a company."""
    from saas_tracker.control import members

    removed = members.remove_member(company_id, email, actor=actor or default_actor())
    emit(as_json, {"removed": removed}, f"removed {removed.email} from {removed.company_id}")


@member.command("list")
@click.option("--company", "company_id", default=None, help="Members of this company.")
@click.option("--email", default=None, help="Companies this person belongs to.")
@json_option
@handles_errors
def member_list(company_id: str | None, email: str | None, as_json: bool) -> None:
    """Members of a company (--company), or the memberships of a person (--email)."""
    from saas_tracker.control import members

    if (company_id is None) == (email is None):
        raise click.UsageError("give exactly one of --company or --email")
    found = members.list_members(company_id) if company_id else members.memberships(email or "")
    emit(
        as_json,
        {"members": found},
        table([[m.company_id, m.email, m.role] for m in found], ["COMPANY_ID", "EMAIL", "ROLE"]),
    )
