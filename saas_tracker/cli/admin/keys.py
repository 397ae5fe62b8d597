"""`saas-tracker admin key|audit ...`: metrics API keys (shown once) and the audit log."""

from __future__ import annotations

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
def key() -> None:
    """Metrics API keys."""


@key.command("create")
@click.option("--company", "company_id", required=True)
@click.option(
    "--scope", "scopes", multiple=True, required=True, help="metrics:read, exports:read or admin (repeatable)."
)
@click.option("--name", default="", help="What the key is for.")
@click.option("--expires-in", default=None, help="e.g. 90d; default: never.")
@actor_option
@json_option
@handles_errors
def key_create(
    company_id: str, scopes: tuple[str, ...], name: str, expires_in: str | None, actor: str | None, as_json: bool
) -> None:
    """Create an API key; prints it once."""
    from saas_tracker.control import api_keys

    created = api_keys.create_api_key(
        company_id,
        list(scopes),
        name=name,
        expires_in=parse_duration(expires_in, "--expires-in") if expires_in else None,
        actor=actor or default_actor(),
    )
    emit(
        as_json,
        to_jsonable(created.info) | {"key": created.key},
        [
            f"key_id: {created.info.key_id}",
            f"scopes: {' '.join(created.info.scopes)}",
            f"key:    {created.key}",
            "The key is shown only now: store it in the client that calls the metrics API.",
        ],
    )


@key.command("list")
@click.option("--company", "company_id", required=True)
@json_option
@handles_errors
def key_list(company_id: str, as_json: bool) -> None:
    """List a company's API keys (ids only)."""
    from saas_tracker.control import api_keys

    found = api_keys.list_api_keys(company_id)
    emit(
        as_json,
        {"keys": found},
        table([[k.key_id, k.state, " ".join(k.scopes), k.name] for k in found], ["KEY_ID", "STATE", "SCOPES", "NAME"]),
    )


@key.command("revoke")
@click.option("--company", "company_id", required=True)
@click.argument("key_id")
@actor_option
@json_option
@handles_errors
def key_revoke(company_id: str, key_id: str, actor: str | None, as_json: bool) -> None:
    """Revoke an API key (effective within seconds everywhere)."""
    from saas_tracker.control import api_keys

    revoked = api_keys.revoke_api_key(company_id, key_id, actor=actor or default_actor())
    emit(as_json, to_jsonable(revoked), f"revoked {revoked.key_id}")


@click.command("audit")
@click.option("--company", "company_id", default=None, help="Default: catalogue changes (no company).")
@click.option("--entity-type", default=None, help="e.g. application, app_secret, api_key, feature_definition.")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@handles_errors
def audit_log(company_id: str | None, entity_type: str | None, limit: int, as_json: bool) -> None:
    """The audit log, newest first."""
    from saas_tracker.control import audit
    from saas_tracker.control.validation import require_uuid

    entries = audit.list_entries(
        require_uuid("company", company_id) if company_id else None, entity_type=entity_type, limit=limit
    )
    emit(
        as_json,
        {"entries": entries},
        table(
            [[f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.entity_type, e.entity_id, e.action] for e in entries],
            ["AT", "ACTOR", "ENTITY", "ID", "ACTION"],
        ),
    )
