"""The control-plane admin API, for keys with the ``admin`` scope.

Every route acts on the company of the calling key and on nothing else: an id
that belongs to another company answers 404, exactly like one that does not
exist. The routes call the same functions as ``saas-tracker admin``, so the
validation and the messages are the same. Changes are audited as
``api_key:<key id>``. Creating companies and negotiating subscription
overrides are operator tasks (CLI), not tenant self-service.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from metrics_api.deps import PrincipalDep, actor, require_scope
from saas_tracker.control import (
    api_keys,
    applications,
    audit,
    companies,
    credentials,
    features,
    members,
    plans,
    subscriptions,
)
from saas_tracker.control.features import FeatureRule, FeatureSpec
from saas_tracker.control.models import (
    ApiKeyInfo,
    Application,
    AuditEntry,
    Company,
    FeatureApplyResult,
    FeatureDefinition,
    Member,
    Plan,
    SecretInfo,
    Subscription,
)

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_scope("admin"))])


# --- request and response bodies ---------------------------------------------


class CompanyOut(BaseModel):
    company: Company
    subscription: Subscription


class MemberIn(BaseModel):
    email: str = Field(examples=["ada@example.com"])
    role: str = Field(examples=["admin"], description="owner, admin, member or viewer")


class RoleIn(BaseModel):
    role: str = Field(examples=["viewer"])


class ApplicationIn(BaseModel):
    name: str = Field(examples=["Web app"])
    environments: list[str] = Field(default_factory=list, examples=[["production", "staging"]])
    backfill_window_days: int = applications.DEFAULT_BACKFILL_WINDOW_DAYS


class ApplicationPatch(BaseModel):
    name: str | None = None
    environments: list[str] | None = None
    backfill_window_days: int | None = None


class SecretOut(BaseModel):
    """A new ingest secret. It is in this response only: store it now."""

    app_id: uuid.UUID
    secret_id: str
    secret: str = Field(description="The HMAC key: this exact string, UTF-8 encoded.")
    previous_expires_at: datetime | None = Field(
        default=None, description="Until when the secret(s) this one replaces stay valid."
    )


class CreatedApplicationOut(BaseModel):
    application: Application
    credentials: SecretOut


class RotateIn(BaseModel):
    old_valid_for_seconds: int = Field(
        default=int(credentials.DEFAULT_OLD_SECRET_VALIDITY.total_seconds()),
        ge=0,
        le=int(credentials.MAX_OLD_SECRET_VALIDITY.total_seconds()),
        description="How long the current secret stays valid; 0 expires it now.",
    )


class PlanChangeIn(BaseModel):
    plan: str = Field(examples=["growth"])


class FeaturesIn(BaseModel):
    features: list[dict[str, Any]] = Field(description="The complete list; features not in it are retired.")
    dry_run: bool = False


class ApiKeyIn(BaseModel):
    scopes: list[str] = Field(examples=[["metrics:read", "exports:read"]])
    name: str = ""
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class CreatedApiKeyOut(ApiKeyInfo):
    key: str = Field(description="The API key. In this response only: store it now.")


# --- company, plans, subscription --------------------------------------------


@router.get("/company", response_model=CompanyOut, summary="The caller's company and its subscription")
def get_company(principal: PrincipalDep) -> CompanyOut:
    return CompanyOut(
        company=companies.get_company(principal.company_id),
        subscription=subscriptions.get_subscription(principal.company_id),
    )


@router.get("/plans", response_model=list[Plan], summary="The plan catalogue")
def list_plans() -> list[Plan]:
    plans.ensure_catalogue()
    return plans.list_plans()


@router.get("/subscription", response_model=Subscription, summary="The terms in force")
def get_subscription(principal: PrincipalDep) -> Subscription:
    return subscriptions.get_subscription(principal.company_id)


@router.get("/subscription/history", response_model=list[Subscription], summary="Every period of terms")
def subscription_history(principal: PrincipalDep) -> list[Subscription]:
    return subscriptions.history(principal.company_id)


@router.post("/subscription/plan", response_model=Subscription, summary="Change plan")
def change_plan(body: PlanChangeIn, principal: PrincipalDep) -> Subscription:
    return subscriptions.change_plan(principal.company_id, body.plan, actor=actor(principal))


# --- members -------------------------------------------------------------------


@router.get("/members", response_model=list[Member])
def list_members(principal: PrincipalDep) -> list[Member]:
    return members.list_members(principal.company_id)


@router.post("/members", response_model=Member, status_code=status.HTTP_201_CREATED)
def add_member(body: MemberIn, principal: PrincipalDep) -> Member:
    return members.add_member(principal.company_id, body.email, body.role, actor=actor(principal))


@router.patch("/members/{email}", response_model=Member)
def set_member_role(email: str, body: RoleIn, principal: PrincipalDep) -> Member:
    return members.set_role(principal.company_id, email, body.role, actor=actor(principal))


@router.delete("/members/{email}", response_model=Member)
def remove_member(email: str, principal: PrincipalDep) -> Member:
    return members.remove_member(principal.company_id, email, actor=actor(principal))


# --- applications and ingest secrets ------------------------------------------


@router.get("/applications", response_model=list[Application])
def list_applications(principal: PrincipalDep, include_archived: bool = False) -> list[Application]:
    return applications.list_applications(principal.company_id, include_archived=include_archived)


@router.post("/applications", response_model=CreatedApplicationOut, status_code=status.HTTP_201_CREATED)
def create_application(body: ApplicationIn, principal: PrincipalDep) -> CreatedApplicationOut:
    created = applications.create_application(
        principal.company_id,
        body.name,
        environments=body.environments,
        backfill_window_days=body.backfill_window_days,
        actor=actor(principal),
    )
    return CreatedApplicationOut(
        application=created.application,
        credentials=SecretOut(**created.credentials.model_dump()),
    )


@router.get("/applications/{app_id}", response_model=Application)
def get_application(app_id: str, principal: PrincipalDep) -> Application:
    return applications.get_application(app_id, company_id=principal.company_id)


@router.patch("/applications/{app_id}", response_model=Application)
def update_application(app_id: str, body: ApplicationPatch, principal: PrincipalDep) -> Application:
    return applications.update_application(
        app_id,
        company_id=principal.company_id,
        name=body.name,
        environments=body.environments,
        backfill_window_days=body.backfill_window_days,
        actor=actor(principal),
    )


@router.post("/applications/{app_id}/archive", response_model=Application)
def archive_application(app_id: str, principal: PrincipalDep) -> Application:
    return applications.archive_application(app_id, company_id=principal.company_id, actor=actor(principal))


@router.get("/applications/{app_id}/secrets", response_model=list[SecretInfo])
def list_secrets(app_id: str, principal: PrincipalDep) -> list[SecretInfo]:
    return credentials.list_secrets(app_id, company_id=principal.company_id)


@router.post("/applications/{app_id}/secrets/rotate", response_model=SecretOut, status_code=status.HTTP_201_CREATED)
def rotate_secret(app_id: str, principal: PrincipalDep, body: RotateIn | None = None) -> SecretOut:
    body = body or RotateIn()
    issued = credentials.rotate_secret(
        app_id,
        company_id=principal.company_id,
        old_valid_for=timedelta(seconds=body.old_valid_for_seconds),
        actor=actor(principal),
    )
    return SecretOut(**issued.model_dump())


@router.post("/applications/{app_id}/secrets/{secret_id}/revoke", response_model=list[SecretInfo])
def revoke_secret(app_id: str, secret_id: str, principal: PrincipalDep) -> list[SecretInfo]:
    return credentials.revoke_secret(app_id, secret_id, company_id=principal.company_id, actor=actor(principal))


# --- feature definitions ------------------------------------------------------


@router.get("/features", response_model=list[FeatureDefinition])
def list_features(principal: PrincipalDep, include_retired: bool = True) -> list[FeatureDefinition]:
    return features.list_features(principal.company_id, include_retired=include_retired)


@router.put("/features", response_model=FeatureApplyResult, summary="Declare the complete set (like `features apply`)")
def apply_features(body: FeaturesIn, principal: PrincipalDep) -> FeatureApplyResult:
    return features.apply_features(principal.company_id, body.features, actor=actor(principal), dry_run=body.dry_run)


@router.post("/features", response_model=FeatureDefinition, status_code=status.HTTP_201_CREATED)
def create_feature(body: FeatureSpec, principal: PrincipalDep) -> FeatureDefinition:
    return features.create_feature(principal.company_id, body, actor=actor(principal))


@router.get("/features/{feature_key}", response_model=FeatureDefinition)
def get_feature(feature_key: str, principal: PrincipalDep) -> FeatureDefinition:
    return features.get_feature(principal.company_id, feature_key)


@router.put("/features/{feature_key}", response_model=FeatureDefinition, summary="Replace a feature's rule")
def update_feature(
    feature_key: str, body: FeatureRule, principal: PrincipalDep, reactivate: bool = False
) -> FeatureDefinition:
    spec = FeatureSpec(key=feature_key, **body.model_dump())
    return features.update_feature(principal.company_id, spec, actor=actor(principal), reactivate=reactivate)


@router.post("/features/{feature_key}/retire", response_model=FeatureDefinition)
def retire_feature(feature_key: str, principal: PrincipalDep) -> FeatureDefinition:
    return features.retire_feature(principal.company_id, feature_key, actor=actor(principal))


# --- API keys and audit -------------------------------------------------------


@router.get("/api-keys", response_model=list[ApiKeyInfo])
def list_api_keys(principal: PrincipalDep) -> list[ApiKeyInfo]:
    return api_keys.list_api_keys(principal.company_id)


@router.post("/api-keys", response_model=CreatedApiKeyOut, status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyIn, principal: PrincipalDep) -> CreatedApiKeyOut:
    created = api_keys.create_api_key(
        principal.company_id,
        body.scopes,
        name=body.name,
        expires_in=timedelta(days=body.expires_in_days) if body.expires_in_days else None,
        actor=actor(principal),
    )
    return CreatedApiKeyOut(**created.info.model_dump(), key=created.key)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyInfo)
def revoke_api_key(key_id: str, principal: PrincipalDep) -> ApiKeyInfo:
    return api_keys.revoke_api_key(principal.company_id, key_id, actor=actor(principal))


@router.get("/audit", response_model=list[AuditEntry], summary="The company's audit log, newest first")
def audit_log(
    principal: PrincipalDep,
    entity_type: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[AuditEntry]:
    return audit.list_entries(principal.company_id, entity_type=entity_type, limit=limit)
