"""The bookkeeping of deletion requests (tracker_control.deletion_requests, migration 0003)."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from saas_tracker.control import store

SUBJECT_COLUMNS = {"user": "user_hash", "organization": "customer_org_id"}
_USER_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class DeletionRequest:
    company_id: uuid.UUID
    request_id: uuid.UUID
    subject_type: str  # user | organization
    subject: str
    status: str
    requested_by: str
    requested_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    raw_rows_deleted: int = 0
    first_day: date | None = None
    last_day: date | None = None
    tables_cleared: list[str] = field(default_factory=list)
    rows_remaining: int = 0
    run_id: str = ""
    message: str = ""

    @property
    def column(self) -> str:
        return SUBJECT_COLUMNS[self.subject_type]


def validate_subject(subject_type: str, subject: str) -> None:
    if subject_type not in SUBJECT_COLUMNS:
        raise ValueError(f"subject_type must be one of {sorted(SUBJECT_COLUMNS)}, got {subject_type!r}")
    if subject_type == "user" and not _USER_HASH.match(subject):
        raise ValueError("a user is identified by its user_hash: 64 lowercase hex characters")
    if not subject:
        raise ValueError("the subject is empty")


def save(request: DeletionRequest, **changes: Any) -> DeletionRequest:
    """Record a new state of the request (a new row version)."""
    request = replace(request, **changes, updated_at=store.utcnow())
    store.insert("deletion_requests", [asdict(request) | {"version": store.next_version(), "is_deleted": 0}])
    return request


def open_request(
    company_id: uuid.UUID, subject_type: str, subject: str, requested_by: str, run_id: str
) -> DeletionRequest:
    validate_subject(subject_type, subject)
    now = store.utcnow()
    request = DeletionRequest(
        company_id=company_id,
        request_id=uuid.uuid4(),
        subject_type=subject_type,
        subject=subject,
        status="running",
        requested_by=requested_by,
        requested_at=now,
        updated_at=now,
        run_id=run_id,
    )
    return save(request)


def get_request(company_id: uuid.UUID, request_id: uuid.UUID) -> DeletionRequest | None:
    rows = store.select(
        "SELECT * FROM tracker_control.current_deletion_requests "
        "WHERE company_id = {company_id:UUID} AND request_id = {request_id:UUID}",
        {"company_id": company_id, "request_id": request_id},
    )
    if not rows:
        return None
    row = rows[0]
    for key in ("requested_at", "updated_at", "completed_at"):
        row[key] = store.as_utc(row[key])
    return DeletionRequest(**row)
