"""`saas-tracker migrate`: apply pending schema migrations."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from clickhouse_connect.driver.exceptions import DatabaseError, OperationalError

from saas_tracker.settings import core_settings


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def migrate(as_json: bool) -> None:
    """Apply pending migrations to the configured ClickHouse (TRACKER_CLICKHOUSE_URL)."""
    # Imported here so `--help` does not pay for clickhouse-connect.
    from saas_tracker.clickhouse import get_client
    from saas_tracker.migrate import LEDGER, MigrationError, recorded
    from saas_tracker.migrate import migrate as run_migrations

    url = core_settings().clickhouse_url
    try:
        client = get_client()
        applied = run_migrations(client)
        total = len(recorded(client))
    except MigrationError as error:
        raise click.ClickException(str(error)) from error
    except OperationalError as error:
        raise click.ClickException(
            f"cannot reach ClickHouse at {url} ({error.__class__.__name__}). "
            "Start the embedded one with `saas-tracker warehouse start`, or set TRACKER_CLICKHOUSE_URL."
        ) from error
    except DatabaseError as error:
        raise click.ClickException(f"ClickHouse at {url} refused: {error}") from error

    if as_json:
        click.echo(
            json.dumps(
                {"clickhouse_url": url, "ledger": LEDGER, "applied": [asdict(a) for a in applied], "recorded": total}
            )
        )
        return
    for a in applied:
        click.echo(f"applied {a.version:04d}_{a.name} ({a.statements} statements, {a.seconds:.2f} s)")
    if not applied:
        click.echo(f"nothing to apply: {total} migrations already recorded in {LEDGER} at {url}")
