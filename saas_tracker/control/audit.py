"""The audit log: who changed what in the control plane, when, before and after.

Append-only MergeTree (``tracker_control.audit_log``). ``before``/``after`` are
JSON snapshots of the public entity models, which have no secret fields; as a
second line of defence :func:`redact` drops any key that could hold one.
Company-less changes (the plan catalogue) are logged under the nil UUID.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel

from saas_tracker.control import store
from saas_tracker.control.models import AuditEntry
from saas_tracker.control.validation import require_name

GLOBAL_COMPANY = uuid.UUID(int=0)
_SECRET_KEYS = {"secret", "secret_ciphertext", "ciphertext", "key", "key_hash", "password", "token"}


def redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("[redacted]" if k in _SECRET_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def snapshot(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else redact(model.model_dump(mode="json"))


def record(
    *,
    actor: str,
    company_id: uuid.UUID | None,
    entity_type: str,
    entity_id: str,
    action: str,
    before: BaseModel | dict[str, Any] | None = None,
    after: BaseModel | dict[str, Any] | None = None,
) -> None:
    def encode(value: BaseModel | dict[str, Any] | None) -> str:
        if value is None:
            return ""
        data = snapshot(value) if isinstance(value, BaseModel) else redact(value)
        return json.dumps(data, sort_keys=True, default=str)

    store.insert(
        "audit_log",
        [
            {
                "company_id": company_id or GLOBAL_COMPANY,
                "at": store.utcnow(),
                "audit_id": uuid.uuid4(),
                "actor": require_name("actor", actor),
                "entity_type": entity_type,
                "entity_id": entity_id,
                "action": action,
                "before": encode(before),
                "after": encode(after),
            }
        ],
    )


def list_entries(
    company_id: uuid.UUID | None,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first. ``company_id=None`` lists the company-less (catalogue) entries."""
    rows = store.select(
        """
        SELECT at, actor, company_id, entity_type, entity_id, action, before, after
        FROM tracker_control.audit_log
        WHERE company_id = {company_id:UUID}
          AND ({entity_type:String} = '' OR entity_type = {entity_type:String})
          AND ({entity_id:String} = '' OR entity_id = {entity_id:String})
        ORDER BY at DESC, audit_id
        LIMIT {limit:UInt32}
        """,
        {
            "company_id": company_id or GLOBAL_COMPANY,
            "entity_type": entity_type or "",
            "entity_id": entity_id or "",
            "limit": max(1, min(limit, 10_000)),
        },
    )
    return [
        AuditEntry(
            at=store.as_utc(row["at"]),
            actor=row["actor"],
            company_id=None if row["company_id"] == GLOBAL_COMPANY else row["company_id"],
            entity_type=row["entity_type"],
            entity_id=row["entity_id"],
            action=row["action"],
            before=json.loads(row["before"]) if row["before"] else None,
            after=json.loads(row["after"]) if row["after"] else None,
        )
        for row in rows
    ]
