"""What the control plane returns: one pydantic class per entity and per result.

None of these classes has a field that holds a stored secret; the two results
that show a new secret once (:class:`IssuedSecret`, :class:`CreatedApiKey`) are
separate classes, so a secret can only leave through a code path that asked
for one. Their ``repr`` hides the secret so it cannot reach a log by accident.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CompanyStatus = Literal["active", "archived"]
AppStatus = Literal["active", "archived"]
Role = Literal["owner", "admin", "member", "viewer"]
Scope = Literal["metrics:read", "exports:read", "admin"]
CredentialState = Literal["active", "expired", "revoked"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Company(_Model):
    company_id: uuid.UUID
    name: str
    status: CompanyStatus
    created_at: datetime
    updated_at: datetime


class Member(_Model):
    company_id: uuid.UUID
    email: str
    role: Role
    added_at: datetime
    updated_at: datetime


class Application(_Model):
    app_id: uuid.UUID
    company_id: uuid.UUID
    name: str
    # Allowed `environment` labels; empty means the collector accepts any label.
    environments: list[str]
    status: AppStatus
    # Events older than this many days go to the quarantine (DESIGN.md section 5).
    backfill_window_days: int
    created_at: datetime
    updated_at: datetime


class SecretInfo(_Model):
    """An ingest secret's metadata; never the secret."""

    secret_id: str
    app_id: uuid.UUID
    company_id: uuid.UUID
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: CredentialState


class IssuedSecret(_Model):
    """A new ingest secret, returned once by create and rotate; never stored in clear."""

    app_id: uuid.UUID
    secret_id: str
    secret: str = Field(repr=False, description="HMAC key: this exact string, UTF-8 encoded. Shown once.")
    # When rotation set an expiry on the secret(s) this one replaces.
    previous_expires_at: datetime | None = None


class CreatedApplication(_Model):
    application: Application
    credentials: IssuedSecret


class Plan(_Model):
    plan_key: str
    name: str
    list_price: Decimal
    currency: str
    # None means unlimited.
    events_per_month: int | None
    max_applications: int | None
    retention_days: int
    overage_price_per_1000: Decimal
    feature_flags: list[str]
    trial_days: int | None
    grace_days: int
    sort_order: int
    status: Literal["active", "retired"]


class SubscriptionOverrides(_Model):
    """Negotiated terms that replace the plan's; a field left out keeps the plan's value.

    ``events_per_month`` / ``max_applications`` may be set to None explicitly to
    mean unlimited. ``feature_flags`` maps a flag to on/off over the plan's flags.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    list_price: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    events_per_month: int | None = Field(default=None, ge=0, le=2**63)
    max_applications: int | None = Field(default=None, ge=0, le=2**32 - 1)
    retention_days: int | None = Field(default=None, ge=1, le=65535)
    overage_price_per_1000: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=4)
    grace_days: int | None = Field(default=None, ge=0, le=365)
    feature_flags: dict[str, bool] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _only_limits_may_be_unlimited(self) -> SubscriptionOverrides:
        for name in ("list_price", "retention_days", "overage_price_per_1000", "grace_days"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null (only events_per_month and max_applications can be unlimited)")
        return self

    def as_dict(self) -> dict[str, Any]:
        """Only the fields that were given (so None = unlimited survives a round trip)."""
        return self.model_dump(mode="json", include=self.model_fields_set)


class Subscription(_Model):
    company_id: uuid.UUID
    period_id: uuid.UUID
    plan_key: str
    status: Literal["trialing", "active"]
    list_price: Decimal
    currency: str
    events_per_month: int | None
    max_applications: int | None
    retention_days: int
    overage_price_per_1000: Decimal
    feature_flags: list[str]
    grace_days: int
    overrides: dict[str, Any]
    trial_ends_at: datetime | None
    # Calendar-month billing: the current period is the current UTC month.
    current_period_start: date
    current_period_end: date
    valid_from: datetime
    valid_to: datetime | None


class FeatureDefinition(_Model):
    company_id: uuid.UUID
    feature_key: str
    name: str
    description: str
    app_id: uuid.UUID | None
    event_names: list[str]
    path_prefix: str | None
    environments: list[str]
    valid_from: date
    status: Literal["active", "retired"]
    retired_at: datetime | None
    created_at: datetime
    updated_at: datetime


class FeatureApplyResult(_Model):
    created: list[str]
    updated: list[str]
    retired: list[str]
    unchanged: list[str]
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired)


class ApiKeyInfo(_Model):
    key_id: str = Field(description="The key's public prefix; identifies it in listings and logs.")
    company_id: uuid.UUID
    name: str
    scopes: list[str]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    state: CredentialState


class CreatedApiKey(_Model):
    info: ApiKeyInfo
    key: str = Field(repr=False, description="The full API key. Shown once; only its hash is stored.")


class ApiKeyPrincipal(_Model):
    """Who a verified API key speaks for."""

    key_id: str
    company_id: uuid.UUID
    scopes: frozenset[str]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class AuditEntry(_Model):
    at: datetime
    actor: str
    company_id: uuid.UUID | None
    entity_type: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
