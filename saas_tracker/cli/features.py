"""`saas-tracker features ...`: feature definitions as code.

``apply FILE.yml --company ID`` makes the company's definitions equal to the
file: new entries are created, changed ones updated, removed ones retired (never
deleted). Applying the same file twice changes nothing. File format::

    features:
      - key: reports.export             # lowercase, unique per company
        name: Export a report           # optional, defaults to the key
        events: [report_exported]       # event names and/or ...
        path_prefix: /reports/export    # ... a path prefix
        environments: [production]      # optional; empty = any
        app_id: 6f1c...                 # optional: only this application
        valid_from: 2025-01-01          # optional; default: all history
"""

from __future__ import annotations

from pathlib import Path

import click

from saas_tracker.cli.admin._common import actor_option, default_actor, emit, handles_errors, json_option, table


@click.group()
def features() -> None:
    """Feature definitions (what "using a feature" means)."""


@features.command("apply")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--company", "company_id", required=True)
@click.option("--dry-run", is_flag=True, help="Show what would change without changing it.")
@actor_option
@json_option
@handles_errors
def apply(file: Path, company_id: str, dry_run: bool, actor: str | None, as_json: bool) -> None:
    """Make a company's feature definitions match FILE (idempotent)."""
    from saas_tracker.control import features as feature_defs

    result = feature_defs.apply_file(file, company_id, actor=actor or default_actor(), dry_run=dry_run)
    prefix = "would be " if dry_run else ""
    lines = [f"{prefix}{name}: {', '.join(getattr(result, name)) or '-'}" for name in ("created", "updated", "retired")]
    lines.append(f"unchanged: {len(result.unchanged)}")
    emit(as_json, result.model_dump(mode="json"), lines)


@features.command("list")
@click.option("--company", "company_id", required=True)
@click.option("--active", "active_only", is_flag=True, help="Hide retired definitions.")
@json_option
@handles_errors
def list_(company_id: str, active_only: bool, as_json: bool) -> None:
    """List a company's feature definitions."""
    from saas_tracker.control import features as feature_defs

    found = feature_defs.list_features(company_id, include_retired=not active_only)
    emit(
        as_json,
        {"features": found},
        table(
            [
                [d.feature_key, d.status, ",".join(d.event_names) or "-", d.path_prefix or "-", d.valid_from]
                for d in found
            ],
            ["KEY", "STATUS", "EVENTS", "PATH_PREFIX", "VALID_FROM"],
        ),
    )


@features.command("retire")
@click.option("--company", "company_id", required=True)
@click.argument("feature_key")
@actor_option
@json_option
@handles_errors
def retire(company_id: str, feature_key: str, actor: str | None, as_json: bool) -> None:
    """Retire one definition (kept for history; stops counting from now)."""
    from saas_tracker.control import features as feature_defs

    retired = feature_defs.retire_feature(company_id, feature_key, actor=actor or default_actor())
    emit(as_json, retired.model_dump(mode="json"), f"retired {retired.feature_key}")
