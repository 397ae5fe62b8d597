"""`saas-tracker`: the one command line for every operator task.

Sub-command groups live in their own modules and are imported only when used,
so `saas-tracker warehouse status` does not pay for importing Dagster or dbt.
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "warehouse": "saas_tracker.cli.warehouse:warehouse",
    "migrate": "saas_tracker.cli.migrate:migrate",
    "admin": "saas_tracker.cli.admin:admin",
    "features": "saas_tracker.cli.features:features",
    "ingest": "saas_tracker.cli.ingest:ingest",
    "quarantine": "saas_tracker.cli.quarantine:quarantine",
    "orchestrate": "saas_tracker.cli.orchestrate:orchestrate",
    "metrics": "saas_tracker.cli.metrics:metrics",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="saas-tracker")
def main() -> None:
    """SaaS Tracker: usage analytics for B2B SaaS products."""
