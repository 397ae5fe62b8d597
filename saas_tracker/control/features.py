"""Feature definitions: what "using a feature" means, per company (optionally per app).

A rule matches an event when its name is in ``event_names`` and/or its path
starts with ``path_prefix`` (at least one is required; with both, either
matches), in one of ``environments`` (empty = any), from ``valid_from`` on
(default 1970-01-01: the whole history counts). The adoption models read them
from ``tracker_control.current_feature_definitions``.

Definitions are never deleted: retiring keeps the row (status ``retired``) so
past adoption numbers stay explainable. ``apply_features`` makes a company's
definitions equal to a declared list (``saas-tracker features apply FILE.yml``):
applying the same list twice changes nothing, and an entry that left the list is
retired.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from saas_tracker.control import audit, store
from saas_tracker.control.errors import Conflict, NotFound, ValidationError
from saas_tracker.control.models import FeatureApplyResult, FeatureDefinition
from saas_tracker.control.validation import (
    from_pydantic,
    require_environments,
    require_event_names,
    require_feature_key,
    require_name,
    require_path_prefix,
    require_uuid,
)
from saas_tracker.control.yamlfile import load_yaml

SINCE_ALWAYS = date(1970, 1, 1)
# ClickHouse's Date ends in 2149; a rule dated after 2100 is a typo.
_LAST_DATE = date(2100, 1, 1)
_RULE_FIELDS = ("name", "description", "app_id", "event_names", "path_prefix", "environments", "valid_from")


class FeatureRule(BaseModel):
    """What counts as using a feature (everything but its key)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description="Display name; defaults to the key.")
    description: str = Field(default="", max_length=2000)
    app_id: uuid.UUID | None = Field(default=None, description="Limit the rule to one application.")
    events: list[str] = Field(default_factory=list, description="Event names that count as use.")
    path_prefix: str | None = Field(default=None, description="Events whose path starts with this count as use.")
    environments: list[str] = Field(default_factory=list, description="Only these environments; empty = any.")
    valid_from: date | None = Field(default=None, description="First day that counts; default: all history.")


class FeatureSpec(FeatureRule):
    """One declared feature, as written in a features file or an API request."""

    key: str = Field(description="Unique per company: lowercase letters, digits, '.', '_', '-'.")


def parse_spec(data: Any, where: str = "") -> FeatureSpec:
    if isinstance(data, FeatureSpec):
        return data
    if not isinstance(data, dict):
        raise ValidationError(f"{where or 'feature'}: must be a mapping with at least `key`", field=where or None)
    try:
        return FeatureSpec.model_validate(data)
    except pydantic.ValidationError as error:
        raise from_pydantic(error, prefix=f"{where}." if where else "") from None


def _rule(company_id: uuid.UUID, spec: FeatureSpec, where: str = "") -> dict[str, Any]:
    """The normalised rule columns of ``spec``, or a ValidationError naming the field."""
    from saas_tracker.control.applications import get_application

    def f(name: str) -> str:
        return f"{where}.{name}" if where else name

    key = require_feature_key(spec.key, f("key"))
    events = sorted(require_event_names(spec.events, f("events")))
    path_prefix = require_path_prefix(spec.path_prefix, f("path_prefix"))
    if not events and path_prefix is None:
        raise ValidationError(
            f"{f('events')}: malformed feature rule {key!r}: give event names and/or a path prefix",
            field=f("events"),
        )
    environments = sorted(require_environments(spec.environments, f("environments")))
    if spec.app_id is not None:
        try:
            app = get_application(spec.app_id, company_id=company_id)
        except NotFound:
            raise ValidationError(
                f"{f('app_id')}: no application {spec.app_id} in company {company_id}", field=f("app_id")
            ) from None
        undeclared = [env for env in environments if app.environments and env not in app.environments]
        if undeclared:
            raise ValidationError(
                f"{f('environments')}: {undeclared[0]!r} is not an environment of application {app.app_id} "
                f"(declared: {', '.join(app.environments)})",
                field=f("environments"),
            )
    valid_from = spec.valid_from or SINCE_ALWAYS
    if not SINCE_ALWAYS <= valid_from < _LAST_DATE:
        raise ValidationError(
            f"{f('valid_from')}: must be between 1970-01-01 and {_LAST_DATE:%Y-%m-%d}", field=f("valid_from")
        )
    return {
        "feature_key": key,
        "name": require_name(f("name"), spec.name if spec.name is not None else key),
        "description": spec.description.strip(),
        "app_id": spec.app_id,
        "event_names": events,
        "path_prefix": path_prefix,
        "environments": environments,
        "valid_from": valid_from,
    }


def _row(definition: FeatureDefinition) -> dict[str, Any]:
    return definition.model_dump() | {"version": store.next_version(), "is_deleted": 0}


def _from_row(row: dict[str, Any]) -> FeatureDefinition:
    return FeatureDefinition.model_validate(
        {k: v for k, v in row.items() if k in FeatureDefinition.model_fields}
        | {k: store.as_utc(row[k]) for k in ("retired_at", "created_at", "updated_at")}
    )


def list_features(company_id: uuid.UUID | str, *, include_retired: bool = True) -> list[FeatureDefinition]:
    rows = store.select(
        """
        SELECT * FROM tracker_control.feature_definitions FINAL
        WHERE company_id = {company_id:UUID} AND is_deleted = 0
          AND ({include_retired:Bool} OR status = 'active')
        ORDER BY feature_key
        """,
        {"company_id": require_uuid("company_id", company_id), "include_retired": include_retired},
    )
    return [_from_row(row) for row in rows]


def get_feature(company_id: uuid.UUID | str, feature_key: str) -> FeatureDefinition:
    key = require_feature_key(feature_key, "feature_key")
    rows = store.select(
        """
        SELECT * FROM tracker_control.feature_definitions FINAL
        WHERE company_id = {company_id:UUID} AND feature_key = {key:String} AND is_deleted = 0
        """,
        {"company_id": require_uuid("company_id", company_id), "key": key},
    )
    if not rows:
        raise NotFound(f"feature_key: no feature {key!r} in company {company_id}", field="feature_key")
    return _from_row(rows[0])


def _write(changes: list[tuple[str, FeatureDefinition | None, FeatureDefinition]], actor: str) -> None:
    store.insert("feature_definitions", [_row(after) for _, _, after in changes])
    for action, before, after in changes:
        audit.record(
            actor=actor,
            company_id=after.company_id,
            entity_type="feature_definition",
            entity_id=after.feature_key,
            action=action,
            before=before,
            after=after,
        )


def _new(company_id: uuid.UUID, rule: dict[str, Any]) -> FeatureDefinition:
    now = store.utcnow()
    return FeatureDefinition(
        company_id=company_id, status="active", retired_at=None, created_at=now, updated_at=now, **rule
    )


def _changed(before: FeatureDefinition, rule: dict[str, Any]) -> FeatureDefinition:
    return before.model_copy(update=rule | {"status": "active", "retired_at": None, "updated_at": store.utcnow()})


def _same(before: FeatureDefinition, rule: dict[str, Any]) -> bool:
    return before.status == "active" and all(getattr(before, name) == rule[name] for name in _RULE_FIELDS)


def _company(company_id: uuid.UUID | str) -> uuid.UUID:
    from saas_tracker.control.companies import require_active_company

    return require_active_company(company_id).company_id


def create_feature(company_id: uuid.UUID | str, spec: FeatureSpec | dict[str, Any], *, actor: str) -> FeatureDefinition:
    company = _company(company_id)
    rule = _rule(company, parse_spec(spec))
    existing = {d.feature_key: d for d in list_features(company)}
    if rule["feature_key"] in existing:
        status = existing[rule["feature_key"]].status
        raise Conflict(
            f"key: duplicate feature key {rule['feature_key']!r}: company {company} already has it ({status}); "
            "update it instead",
            field="key",
        )
    definition = _new(company, rule)
    _write([("create", None, definition)], actor)
    return definition


def update_feature(
    company_id: uuid.UUID | str, spec: FeatureSpec | dict[str, Any], *, actor: str, reactivate: bool = False
) -> FeatureDefinition:
    """Replace the rule of an existing feature (the spec's key names it)."""
    company = _company(company_id)
    rule = _rule(company, parse_spec(spec))
    before = get_feature(company, rule["feature_key"])
    if before.status == "retired" and not reactivate:
        raise Conflict(f"key: feature {before.feature_key!r} is retired; reactivate it to change it", field="key")
    if _same(before, rule):
        return before
    after = _changed(before, rule)
    _write([("reactivate" if before.status == "retired" else "update", before, after)], actor)
    return after


def retire_feature(company_id: uuid.UUID | str, feature_key: str, *, actor: str) -> FeatureDefinition:
    """Stop counting the feature from now on; its row and history stay. Idempotent."""
    before = get_feature(company_id, feature_key)
    if before.status == "retired":
        return before
    now = store.utcnow()
    after = before.model_copy(update={"status": "retired", "retired_at": now, "updated_at": now})
    _write([("retire", before, after)], actor)
    return after


def apply_features(
    company_id: uuid.UUID | str, specs: list[Any], *, actor: str, dry_run: bool = False
) -> FeatureApplyResult:
    """Make the company's active definitions exactly ``specs``; every entry is validated first."""
    company = _company(company_id)
    rules: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(specs):
        where = f"features[{index}]"
        rule = _rule(company, parse_spec(raw, where), where)
        key = rule["feature_key"]
        if key in seen:
            raise ValidationError(
                f"{where}.key: duplicate feature key {key!r} (also features[{seen[key]}])", field=f"{where}.key"
            )
        seen[key] = index
        rules.append(rule)
    current = {d.feature_key: d for d in list_features(company)}
    result = FeatureApplyResult(created=[], updated=[], retired=[], unchanged=[], dry_run=dry_run)
    changes: list[tuple[str, FeatureDefinition | None, FeatureDefinition]] = []
    for rule in rules:
        key = rule["feature_key"]
        before = current.get(key)
        if before is None:
            result.created.append(key)
            changes.append(("create", None, _new(company, rule)))
        elif _same(before, rule):
            result.unchanged.append(key)
        else:
            result.updated.append(key)
            action = "reactivate" if before.status == "retired" else "update"
            changes.append((action, before, _changed(before, rule)))
    now = store.utcnow()
    for key, before in current.items():
        if key not in seen and before.status == "active":
            result.retired.append(key)
            after = before.model_copy(update={"status": "retired", "retired_at": now, "updated_at": now})
            changes.append(("retire", before, after))
    if not dry_run:
        _write(changes, actor)
    for keys in (result.created, result.updated, result.retired, result.unchanged):
        keys.sort()
    return result


def load_features_file(path: str | Path) -> list[Any]:
    """The entries of a features file: a mapping with a ``features:`` list."""
    data = load_yaml(path)
    if not isinstance(data, dict) or "features" not in data:
        raise ValidationError(f"file: {path} must be a mapping with a `features:` list", field="file")
    extra = sorted(set(data) - {"features"})
    if extra:
        raise ValidationError(f"file: unknown top-level key {extra[0]!r} (expected `features`)", field="file")
    entries = data["features"] or []
    if not isinstance(entries, list):
        raise ValidationError("features: must be a list of feature entries", field="features")
    return entries


def apply_file(
    path: str | Path, company_id: uuid.UUID | str, *, actor: str, dry_run: bool = False
) -> FeatureApplyResult:
    return apply_features(company_id, load_features_file(path), actor=actor, dry_run=dry_run)
