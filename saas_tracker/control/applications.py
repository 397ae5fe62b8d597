"""Applications: the products a company tracks, each with ingest credentials.

Creating one is refused when the company's subscription caps applications and
the cap is reached. Archiving is final and stops ingest for the application
(the collector's credential lookup reports it inactive).
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from saas_tracker.control import audit, credentials, store, subscriptions
from saas_tracker.control.crypto import secret_box
from saas_tracker.control.errors import Conflict, LimitExceeded, NotFound, ValidationError
from saas_tracker.control.models import Application, CreatedApplication
from saas_tracker.control.validation import require_environments, require_name, require_uuid

DEFAULT_BACKFILL_WINDOW_DAYS = 35
# ClickHouse has no transactions: two creates racing past the cap check in one
# process are serialised here; across processes the cap is best effort.
_create_lock = threading.Lock()


def _row(app: Application) -> dict[str, Any]:
    return app.model_dump() | {"version": store.next_version(), "is_deleted": 0}


def _from_row(row: dict[str, Any]) -> Application:
    return Application.model_validate(
        {k: v for k, v in row.items() if k in Application.model_fields}
        | {"created_at": store.as_utc(row["created_at"]), "updated_at": store.as_utc(row["updated_at"])}
    )


def _backfill_days(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3650:
        raise ValidationError(
            "backfill_window_days: must be a whole number of days from 1 to 3650", field="backfill_window_days"
        )
    return value


def list_applications(company_id: uuid.UUID | str, *, include_archived: bool = False) -> list[Application]:
    rows = store.select(
        """
        SELECT * FROM tracker_control.applications FINAL
        WHERE company_id = {company_id:UUID} AND is_deleted = 0
          AND ({include_archived:Bool} OR status = 'active')
        ORDER BY created_at, app_id
        """,
        {"company_id": require_uuid("company_id", company_id), "include_archived": include_archived},
    )
    return [_from_row(row) for row in rows]


def count_active_applications(company_id: uuid.UUID) -> int:
    return len(list_applications(company_id))


def get_application(app_id: uuid.UUID | str, *, company_id: uuid.UUID | str | None = None) -> Application:
    """The application; with ``company_id``, only if it belongs to that company (else NotFound)."""
    app_id = require_uuid("app_id", app_id)
    rows = store.select(
        "SELECT * FROM tracker_control.applications FINAL WHERE app_id = {app_id:UUID} AND is_deleted = 0",
        {"app_id": app_id},
    )
    if not rows or (company_id is not None and rows[0]["company_id"] != require_uuid("company_id", company_id)):
        raise NotFound(f"app_id: no application {app_id}", field="app_id")
    return _from_row(rows[0])


def create_application(
    company_id: uuid.UUID | str,
    name: str,
    *,
    environments: list[str] | tuple[str, ...] = (),
    backfill_window_days: int = DEFAULT_BACKFILL_WINDOW_DAYS,
    actor: str,
) -> CreatedApplication:
    """A new active application and its first ingest secret (returned once)."""
    from saas_tracker.control.companies import require_active_company

    company = require_active_company(company_id)
    name = require_name("name", name)
    labels = require_environments(environments)
    backfill_window_days = _backfill_days(backfill_window_days)
    secret_box()  # a missing server key must refuse before anything is written
    with _create_lock:
        subscription = subscriptions.get_subscription(company.company_id)
        active = list_applications(company.company_id)
        cap = subscription.max_applications
        if cap is not None and len(active) >= cap:
            raise LimitExceeded(
                f"name: application cap exceeded: plan {subscription.plan_key!r} allows {cap} "
                f"application(s) and company {company.company_id} already has {len(active)} active; "
                "archive one or change plan",
                field="name",
            )
        if any(app.name == name for app in active):
            raise Conflict(
                f"name: company {company.company_id} already has an application named {name!r}", field="name"
            )
        now = store.utcnow()
        app = Application(
            app_id=uuid.uuid4(),
            company_id=company.company_id,
            name=name,
            environments=labels,
            status="active",
            backfill_window_days=backfill_window_days,
            created_at=now,
            updated_at=now,
        )
        store.insert("applications", [_row(app)])
    audit.record(
        actor=actor,
        company_id=app.company_id,
        entity_type="application",
        entity_id=str(app.app_id),
        action="create",
        after=app,
    )
    issued = credentials.issue_secret(app, actor=actor)
    return CreatedApplication(application=app, credentials=issued)


def _update(before: Application, *, actor: str, action: str, **changes: Any) -> Application:
    after = before.model_copy(update=changes | {"updated_at": store.utcnow()})
    if after.model_dump(exclude={"updated_at"}) == before.model_dump(exclude={"updated_at"}):
        return before
    store.insert("applications", [_row(after)])
    audit.record(
        actor=actor,
        company_id=after.company_id,
        entity_type="application",
        entity_id=str(after.app_id),
        action=action,
        before=before,
        after=after,
    )
    credentials.invalidate(after.app_id)
    return after


def update_application(
    app_id: uuid.UUID | str,
    *,
    company_id: uuid.UUID | str | None = None,
    name: str | None = None,
    environments: list[str] | None = None,
    backfill_window_days: int | None = None,
    actor: str,
) -> Application:
    before = get_application(app_id, company_id=company_id)
    if before.status != "active":
        raise Conflict(f"app_id: application {before.app_id} is archived", field="app_id")
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = require_name("name", name)
    if environments is not None:
        changes["environments"] = require_environments(environments)
    if backfill_window_days is not None:
        changes["backfill_window_days"] = _backfill_days(backfill_window_days)
    return _update(before, actor=actor, action="update", **changes)


def archive_application(
    app_id: uuid.UUID | str, *, company_id: uuid.UUID | str | None = None, actor: str
) -> Application:
    """Stop ingest for the application; its data stays. Idempotent."""
    before = get_application(app_id, company_id=company_id)
    if before.status == "archived":
        return before
    return _update(before, actor=actor, action="archive", status="archived")
