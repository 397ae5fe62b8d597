"""The plan catalogue: ``plans.yml`` (analyst-edited) loaded into ``tracker_control.plans``.

The YAML file is the source of truth; :func:`sync_catalogue` makes the table
match it and is idempotent (an unchanged plan is not rewritten). A plan removed
from the file is marked ``retired``: existing subscriptions keep it, new ones
cannot choose it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from saas_tracker.control import audit, store
from saas_tracker.control.errors import NotFound, ValidationError
from saas_tracker.control.models import Plan
from saas_tracker.control.validation import PLAN_KEY, from_pydantic, require_flag
from saas_tracker.control.yamlfile import load_yaml

CATALOGUE_PATH = Path(__file__).with_name("plans.yml")


class _PlanSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=PLAN_KEY.pattern)
    name: str = Field(min_length=1, max_length=100)
    list_price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    events_per_month: int | None = Field(ge=0)
    applications: int | None = Field(ge=0)
    retention_days: int = Field(ge=1, le=65535)
    overage_price_per_1000: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=4)
    trial_days: int | None = Field(default=None, ge=1, le=365)
    grace_days: int = Field(default=0, ge=0, le=365)
    feature_flags: list[str] = Field(default_factory=list)


class _CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    plans: list[_PlanSpec] = Field(min_length=1)


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_catalogue(path: str | Path | None = None) -> list[Plan]:
    """Parse and validate a catalogue file (default: the packaged ``plans.yml``)."""
    path = Path(path or CATALOGUE_PATH)
    data = load_yaml(path)
    try:
        catalogue = _CatalogueFile.model_validate(data)
    except pydantic.ValidationError as error:
        raise from_pydantic(error, prefix=f"{path.name}: ") from None
    plans: list[Plan] = []
    for index, spec in enumerate(catalogue.plans):
        if any(plan.plan_key == spec.key for plan in plans):
            raise ValidationError(f"{path.name}: plans[{index}].key: duplicate plan key {spec.key!r}", field="key")
        flags = [require_flag(flag, f"{path.name}: plans[{index}].feature_flags") for flag in spec.feature_flags]
        plans.append(
            Plan(
                plan_key=spec.key,
                name=spec.name,
                list_price=spec.list_price,
                currency=catalogue.currency,
                events_per_month=spec.events_per_month,
                max_applications=spec.applications,
                retention_days=spec.retention_days,
                overage_price_per_1000=spec.overage_price_per_1000,
                feature_flags=sorted(set(flags)),
                trial_days=spec.trial_days,
                grace_days=spec.grace_days,
                sort_order=index,
                status="active",
            )
        )
    return plans


def _row(plan: Plan) -> dict[str, Any]:
    return plan.model_dump() | {"updated_at": store.utcnow(), "version": store.next_version(), "is_deleted": 0}


def _from_row(row: dict[str, Any]) -> Plan:
    return Plan.model_validate({k: v for k, v in row.items() if k in Plan.model_fields})


def list_plans(*, include_retired: bool = False) -> list[Plan]:
    rows = store.select(
        """
        SELECT * FROM tracker_control.plans FINAL
        WHERE is_deleted = 0 AND ({include_retired:Bool} OR status = 'active')
        ORDER BY sort_order, plan_key
        """,
        {"include_retired": include_retired},
    )
    return [_from_row(row) for row in rows]


def get_plan(plan_key: str) -> Plan:
    rows = store.select(
        "SELECT * FROM tracker_control.plans FINAL WHERE plan_key = {plan_key:String} AND is_deleted = 0",
        {"plan_key": plan_key},
    )
    if not rows:
        raise NotFound(f"plan: unknown plan {plan_key!r}", field="plan")
    return _from_row(rows[0])


def require_plan(plan_key: str, field: str = "plan") -> Plan:
    """The active plan a subscription may choose, or a ValidationError naming the known plans."""
    ensure_catalogue()
    plans = list_plans()
    for plan in plans:
        if plan.plan_key == plan_key:
            return plan
    known = ", ".join(plan.plan_key for plan in plans)
    retired = {p.plan_key for p in list_plans(include_retired=True)} - {p.plan_key for p in plans}
    rule = "is retired" if plan_key in retired else "is an unknown plan"
    raise ValidationError(f"{field}: {plan_key!r} {rule}; plans are {known}", field=field)


def sync_catalogue(path: str | Path | None = None, *, actor: str) -> SyncResult:
    """Make ``tracker_control.plans`` match the catalogue file; idempotent."""
    wanted = load_catalogue(path)
    current = {plan.plan_key: plan for plan in list_plans(include_retired=True)}
    result = SyncResult()
    changes: list[tuple[str, Plan | None, Plan]] = []
    for plan in wanted:
        before = current.get(plan.plan_key)
        if before is None:
            result.created.append(plan.plan_key)
            changes.append(("create", None, plan))
        elif before != plan:
            result.updated.append(plan.plan_key)
            changes.append(("update", before, plan))
        else:
            result.unchanged.append(plan.plan_key)
    wanted_keys = {plan.plan_key for plan in wanted}
    for key, before in current.items():
        if key not in wanted_keys and before.status != "retired":
            result.retired.append(key)
            changes.append(("retire", before, before.model_copy(update={"status": "retired"})))
    store.insert("plans", [_row(after) for _, _, after in changes])
    for action, before, after in changes:
        audit.record(
            actor=actor,
            company_id=None,
            entity_type="plan",
            entity_id=after.plan_key,
            action=action,
            before=before,
            after=after,
        )
    return result


def ensure_catalogue() -> None:
    """Load the packaged catalogue the first time it is needed (empty table)."""
    rows = store.select("SELECT count() AS n FROM tracker_control.plans WHERE is_deleted = 0")
    if rows[0]["n"] == 0:
        sync_catalogue(actor="system:bootstrap")
