"""`saas-tracker admin ...`: companies, members, applications and their secrets,
plans, subscriptions, API keys and the audit log.

Every command that creates or changes something accepts ``--json`` and then
prints exactly one JSON object (errors too: ``{"error": {...}}`` with exit
status 1), so scripts and the demo can read it. Secrets appear only in the
output of the command that creates them.
"""

from __future__ import annotations

import click

from saas_tracker.cli.admin.apps import app
from saas_tracker.cli.admin.billing import plan, subscription
from saas_tracker.cli.admin.companies import company, member
from saas_tracker.cli.admin.keys import audit_log, key


@click.group()
def admin() -> None:
    """Manage companies, applications, credentials, plans, subscriptions and API keys."""


for command in (company, member, app, plan, subscription, key, audit_log):
    admin.add_command(command)
