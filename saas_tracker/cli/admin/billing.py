"""`saas-tracker admin plan|subscription ...`: the catalogue and each company's terms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
def plan() -> None:
    """The plan catalogue (saas_tracker/control/plans.yml)."""


@plan.command("list")
@click.option("--all", "include_retired", is_flag=True, help="Include retired plans.")
@json_option
@handles_errors
def plan_list(include_retired: bool, as_json: bool) -> None:
    """List plans."""
    from saas_tracker.control import plans

    plans.ensure_catalogue()
    found = plans.list_plans(include_retired=include_retired)
    emit(
        as_json,
        {"plans": found},
        table(
            [
                [
                    p.plan_key,
                    p.status,
                    p.list_price,
                    p.events_per_month or "unlimited",
                    p.max_applications or "unlimited",
                    p.retention_days,
                ]
                for p in found
            ],
            ["PLAN", "STATUS", "PRICE", "EVENTS/MONTH", "APPS", "RETENTION_DAYS"],
        ),
    )


@plan.command("sync")
@click.option(
    "--file",
    "path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Default: the packaged plans.yml.",
)
@actor_option
@json_option
@handles_errors
def plan_sync(path: Path | None, actor: str | None, as_json: bool) -> None:
    """Load the plan catalogue file into the warehouse (idempotent)."""
    from saas_tracker.control import plans

    result = plans.sync_catalogue(path, actor=actor or default_actor())
    emit(as_json, vars(result), [f"{name}: {', '.join(keys) or '-'}" for name, keys in vars(result).items()])


@click.group()
def subscription() -> None:
    """A company's subscription: plan, negotiated overrides, history."""


def _subscription_lines(s: Any) -> list[str]:
    def limit(value: Any) -> str:
        return "unlimited" if value is None else str(value)

    return [
        f"company_id:      {s.company_id}",
        f"plan:            {s.plan_key} ({s.status})",
        f"price:           {s.list_price} {s.currency}/month",
        f"events/month:    {limit(s.events_per_month)}",
        f"applications:    {limit(s.max_applications)}",
        f"retention_days:  {s.retention_days}",
        f"overage/1000:    {s.overage_price_per_1000}",
        f"grace_days:      {s.grace_days}",
        f"flags:           {', '.join(s.feature_flags) or '-'}",
        f"overrides:       {json.dumps(s.overrides, sort_keys=True)}",
        f"billing period:  {s.current_period_start} .. {s.current_period_end}",
    ]


@subscription.command("show")
@click.option("--company", "company_id", required=True)
@click.option("--history", is_flag=True, help="Every period of terms, oldest first.")
@json_option
@handles_errors
def subscription_show(company_id: str, history: bool, as_json: bool) -> None:
    """The terms in force (or their history)."""
    from saas_tracker.control import subscriptions

    if history:
        periods = subscriptions.history(company_id)
        emit(
            as_json,
            {"periods": periods},
            table(
                [
                    [
                        p.plan_key,
                        p.list_price,
                        f"{p.valid_from:%Y-%m-%d %H:%M:%S}",
                        p.valid_to and f"{p.valid_to:%Y-%m-%d %H:%M:%S}",
                    ]
                    for p in periods
                ],
                ["PLAN", "PRICE", "VALID_FROM", "VALID_TO"],
            ),
        )
        return
    current = subscriptions.get_subscription(company_id)
    emit(as_json, to_jsonable(current), _subscription_lines(current))


@subscription.command("change-plan")
@click.option("--company", "company_id", required=True)
@click.argument("plan_key")
@actor_option
@json_option
@handles_errors
def subscription_change_plan(company_id: str, plan_key: str, actor: str | None, as_json: bool) -> None:
    """Move to another plan (its current catalogue terms; earlier overrides end)."""
    from saas_tracker.control import subscriptions

    changed = subscriptions.change_plan(company_id, plan_key, actor=actor or default_actor())
    emit(as_json, to_jsonable(changed), _subscription_lines(changed))


def _limit(value: str | None, option: str) -> Any:
    if value is None:
        return None
    if value.strip().lower() == "unlimited":
        return "unlimited"
    if not value.strip().isdigit():
        raise click.BadParameter(f"{value!r} is not a whole number or 'unlimited'", param_hint=option)
    return int(value)


@subscription.command("override")
@click.option("--company", "company_id", required=True)
@click.option("--price", default=None, help="Monthly price.")
@click.option("--events-per-month", default=None, help="Number or 'unlimited'.")
@click.option("--max-apps", default=None, help="Number or 'unlimited'.")
@click.option("--retention-days", type=int, default=None)
@click.option("--overage-price", default=None, help="Price per 1,000 events over the limit.")
@click.option("--grace-days", type=int, default=None)
@click.option("--flag", "flags", multiple=True, metavar="NAME=on|off", help="Turn a feature flag on or off.")
@click.option("--replace", is_flag=True, help="Drop earlier overrides instead of merging.")
@actor_option
@json_option
@handles_errors
def subscription_override(
    company_id: str,
    price: str | None,
    events_per_month: str | None,
    max_apps: str | None,
    retention_days: int | None,
    overage_price: str | None,
    grace_days: int | None,
    flags: tuple[str, ...],
    replace: bool,
    actor: str | None,
    as_json: bool,
) -> None:
    """Override the plan's price, limits or flags for this company."""
    from saas_tracker.control import subscriptions

    given: dict[str, Any] = {}
    for name, value in (
        ("list_price", price),
        ("overage_price_per_1000", overage_price),
        ("retention_days", retention_days),
        ("grace_days", grace_days),
    ):
        if value is not None:
            given[name] = value
    for name, raw, option in (
        ("events_per_month", events_per_month, "--events-per-month"),
        ("max_applications", max_apps, "--max-apps"),
    ):
        parsed = _limit(raw, option)
        if parsed is not None:
            given[name] = None if parsed == "unlimited" else parsed
    flag_map: dict[str, bool] = {}
    for item in flags:
        name, _, state = item.partition("=")
        if state not in ("on", "off"):
            raise click.BadParameter(f"{item!r} is not NAME=on or NAME=off", param_hint="--flag")
        flag_map[name.strip()] = state == "on"
    if flag_map:
        given["feature_flags"] = flag_map
    if not given and not replace:
        raise click.UsageError("nothing to override: give at least one option")
    changed = subscriptions.set_overrides(company_id, given, replace=replace, actor=actor or default_actor())
    emit(as_json, to_jsonable(changed), _subscription_lines(changed))
