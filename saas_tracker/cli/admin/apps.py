"""`saas-tracker admin app ...`: applications and their ingest secrets (shown once)."""

from __future__ import annotations

from typing import Any

import click

from saas_tracker.cli.admin._common import (
    actor_option,
    default_actor,
    emit,
    handles_errors,
    json_option,
    parse_duration,
    table,
    to_jsonable,
)


@click.group()
def app() -> None:
    """Applications and their ingest secrets."""


def _secret_lines(app_id: Any, secret_id: str, secret: str) -> list[str]:
    return [
        f"app_id:    {app_id}",
        f"secret_id: {secret_id}",
        f"secret:    {secret}",
        "The secret is shown only now: store it where your producers read it.",
    ]


@app.command("create")
@click.option("--company", "company_id", required=True)
@click.argument("name")
@click.option("--env", "environments", multiple=True, metavar="LABEL", help="Allowed environment label (repeatable).")
@click.option("--backfill-days", type=int, default=35, show_default=True, help="Older events go to quarantine.")
@actor_option
@json_option
@handles_errors
def app_create(
    company_id: str, name: str, environments: tuple[str, ...], backfill_days: int, actor: str | None, as_json: bool
) -> None:
    """Create an application; prints its app_id and secret (shown once)."""
    from saas_tracker.control import applications

    created = applications.create_application(
        company_id,
        name,
        environments=list(environments),
        backfill_window_days=backfill_days,
        actor=actor or default_actor(),
    )
    payload = to_jsonable(created.application) | {
        "secret_id": created.credentials.secret_id,
        "secret": created.credentials.secret,
    }
    emit(
        as_json,
        payload,
        _secret_lines(created.application.app_id, created.credentials.secret_id, created.credentials.secret),
    )


@app.command("list")
@click.option("--company", "company_id", required=True)
@click.option("--all", "include_archived", is_flag=True, help="Include archived applications.")
@json_option
@handles_errors
def app_list(company_id: str, include_archived: bool, as_json: bool) -> None:
    """List a company's applications."""
    from saas_tracker.control import applications

    found = applications.list_applications(company_id, include_archived=include_archived)
    emit(
        as_json,
        {"applications": found},
        table(
            [[a.app_id, a.status, a.name, ",".join(a.environments) or "(any)"] for a in found],
            ["APP_ID", "STATUS", "NAME", "ENVIRONMENTS"],
        ),
    )


@app.command("update")
@click.argument("app_id")
@click.option("--name", default=None)
@click.option("--env", "environments", multiple=True, metavar="LABEL", help="Replace the allowed labels.")
@click.option("--any-env", is_flag=True, help="Allow any environment label (clears the list).")
@click.option("--backfill-days", type=int, default=None)
@actor_option
@json_option
@handles_errors
def app_update(
    app_id: str,
    name: str | None,
    environments: tuple[str, ...],
    any_env: bool,
    backfill_days: int | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Rename an application or change its environments or backfill window."""
    from saas_tracker.control import applications

    if any_env and environments:
        raise click.UsageError("--any-env and --env exclude each other")
    envs = [] if any_env else (list(environments) if environments else None)
    updated = applications.update_application(
        app_id, name=name, environments=envs, backfill_window_days=backfill_days, actor=actor or default_actor()
    )
    emit(as_json, to_jsonable(updated), f"updated application {updated.app_id}")


@app.command("archive")
@click.argument("app_id")
@actor_option
@json_option
@handles_errors
def app_archive(app_id: str, actor: str | None, as_json: bool) -> None:
    """Archive an application: ingest stops, data stays."""
    from saas_tracker.control import applications

    archived = applications.archive_application(app_id, actor=actor or default_actor())
    emit(as_json, to_jsonable(archived), f"archived application {archived.app_id}")


@app.command("rotate-secret")
@click.argument("app_id")
@click.option(
    "--old-expires-in", default="24h", show_default=True, help="How long the current secret stays valid (0 = now)."
)
@actor_option
@json_option
@handles_errors
def app_rotate_secret(app_id: str, old_expires_in: str, actor: str | None, as_json: bool) -> None:
    """Issue a new secret (valid at once); the current one stays valid until it expires."""
    from saas_tracker.control import credentials

    issued = credentials.rotate_secret(
        app_id, old_valid_for=parse_duration(old_expires_in, "--old-expires-in"), actor=actor or default_actor()
    )
    payload = {
        "app_id": issued.app_id,
        "secret_id": issued.secret_id,
        "secret": issued.secret,
        "previous_expires_at": issued.previous_expires_at,
    }
    lines = _secret_lines(issued.app_id, issued.secret_id, issued.secret)
    if issued.previous_expires_at:
        lines.insert(3, f"previous secret(s) valid until {issued.previous_expires_at:%Y-%m-%d %H:%M:%S} UTC")
    emit(as_json, payload, lines)


@app.command("revoke-secret")
@click.argument("app_id")
@click.option("--secret-id", default=None, help="Revoke this secret only.")
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every valid secret (ingest stops until a rotate).")
@actor_option
@json_option
@handles_errors
def app_revoke_secret(app_id: str, secret_id: str | None, revoke_all: bool, actor: str | None, as_json: bool) -> None:
    """Revoke secrets immediately."""
    from saas_tracker.control import credentials

    if (secret_id is None) == (not revoke_all):
        raise click.UsageError("give exactly one of --secret-id or --all")
    revoked = credentials.revoke_secret(app_id, secret_id, actor=actor or default_actor())
    emit(as_json, {"revoked": revoked}, [f"revoked {s.secret_id}" for s in revoked] or "nothing to revoke")


@app.command("secrets")
@click.argument("app_id")
@json_option
@handles_errors
def app_secrets(app_id: str, as_json: bool) -> None:
    """List an application's secrets (ids and validity only)."""
    from saas_tracker.control import credentials

    found = credentials.list_secrets(app_id)
    emit(
        as_json,
        {"secrets": found},
        table(
            [
                [
                    s.secret_id,
                    s.state,
                    f"{s.created_at:%Y-%m-%d %H:%M}",
                    s.expires_at and f"{s.expires_at:%Y-%m-%d %H:%M}",
                ]
                for s in found
            ],
            ["SECRET_ID", "STATE", "CREATED", "EXPIRES"],
        ),
    )
