"""`saas-tracker quarantine list|replay|discard`: events older than the backfill window."""

from __future__ import annotations

import json
import uuid

import click


def _uuid(_ctx, param, value):
    if value is None:
        return None
    try:
        if isinstance(value, tuple):
            return tuple(uuid.UUID(v) for v in value)
        return uuid.UUID(value)
    except ValueError:
        raise click.BadParameter("must be a UUID", param=param) from None


_filters = [
    click.option("--company", "company_id", callback=_uuid, default=None, help="Company id (tenant)."),
    click.option("--app", "app_id", callback=_uuid, default=None, help="Application id."),
    click.option("--event-id", "event_ids", multiple=True, callback=_uuid, help="Only these events (repeatable)."),
]


def filters(function):
    for option in reversed(_filters):
        function = option(function)
    return function


def _client():
    from saas_tracker.clickhouse import get_client

    return get_client()


@click.group()
def quarantine() -> None:
    """Events held back because they are older than their application's backfill window."""


@quarantine.command("list")
@filters
@click.option(
    "--status",
    type=click.Choice(["quarantined", "replayed", "discarded", "all"]),
    default="quarantined",
    show_default=True,
)
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def list_command(company_id, app_id, event_ids, status, limit, as_json) -> None:
    """List quarantined events (oldest quarantine first)."""
    from ingest_api.quarantine import Selection, count_events, list_events

    selection = Selection(company_id, app_id, event_ids or (), None if status == "all" else status)
    client = _client()
    rows = list_events(client, selection, limit)
    total = count_events(client, selection)
    if as_json:
        click.echo(json.dumps({"total": total, "events": rows}, default=str))
        return
    for row in rows:
        click.echo(
            f"{row['company_id']}  {row['app_id']}  {row['event_id']}  {row['ts']:%Y-%m-%d %H:%M:%S}  "
            f"{row['status']:<11}  {row['event']}  org={row['customer_org_id']}"
        )
    click.echo(f"{len(rows)} of {total} event(s)")


def _require_filter(company_id, app_id, event_ids, everything: bool) -> None:
    if not (company_id or app_id or event_ids or everything):
        raise click.UsageError("choose events with --company, --app or --event-id, or pass --all")


@quarantine.command()
@filters
@click.option("--all", "everything", is_flag=True, help="Every quarantined event of every company.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def replay(company_id, app_id, event_ids, everything, as_json) -> None:
    """Load quarantined events into tracker_raw.events and mark them replayed."""
    from ingest_api.quarantine import Selection
    from ingest_api.quarantine import replay as run

    _require_filter(company_id, app_id, event_ids, everything)
    count = run(_client(), Selection(company_id, app_id, event_ids or ()))
    click.echo(json.dumps({"replayed": count}) if as_json else f"replayed {count} event(s) into tracker_raw.events")


@quarantine.command()
@filters
@click.option("--all", "everything", is_flag=True, help="Every quarantined event of every company.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def discard(company_id, app_id, event_ids, everything, as_json) -> None:
    """Mark quarantined events discarded (kept for the record, never loaded)."""
    from ingest_api.quarantine import Selection
    from ingest_api.quarantine import discard as run

    _require_filter(company_id, app_id, event_ids, everything)
    count = run(_client(), Selection(company_id, app_id, event_ids or ()))
    click.echo(json.dumps({"discarded": count}) if as_json else f"discarded {count} event(s)")
