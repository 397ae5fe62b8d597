"""What the collector stores and the rules every event is judged by (DESIGN.md section 5).

validation.py applies them; schemas.py describes them in the OpenAPI document.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

MAX_EVENT_NAME = 128
MAX_ORG_ID = 256
MAX_SESSION_ID = 128
MAX_PATH = 2048
MAX_ENVIRONMENT = 64
MAX_PLAN = 64
# Distinct ignored key names reported back per request; the total is always counted.
MAX_IGNORED_NAMES = 20

WHITELIST = frozenset(
    {"event", "customer_org_id", "user_hash", "session_id", "path", "environment", "plan", "ts_epoch", "event_id"}
)
EVENT_NAME = rf"[A-Za-z0-9$][A-Za-z0-9_.:/$ \-]{{0,{MAX_EVENT_NAME - 1}}}"
USER_HASH = r"[0-9a-f]{64}"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
is_event_name = re.compile(EVENT_NAME).fullmatch
is_user_hash = re.compile(USER_HASH).fullmatch
is_uuid = re.compile(UUID).fullmatch

QUARANTINE_REASON = "older_than_backfill_window"

# rule code -> message; the code labels the metric, the message goes to the client.
RULES: dict[str, str] = {
    "event.not_object": "event: each event must be a JSON object",
    "event.required": "event: required",
    "event.type": "event: must be a string",
    "event.format": (
        f"event: 1 to {MAX_EVENT_NAME} characters: letters, digits, space and _ . : / $ -, "
        "starting with a letter, a digit or $"
    ),
    "customer_org_id.required": "customer_org_id: required",
    "customer_org_id.type": "customer_org_id: must be a string",
    "customer_org_id.empty": "customer_org_id: must not be empty",
    "customer_org_id.length": f"customer_org_id: at most {MAX_ORG_ID} characters",
    "user_hash.format": (
        "user_hash: must be 64 lowercase hexadecimal characters (a SHA-256 or HMAC-SHA-256 hex digest)"
    ),
    "session_id.type": "session_id: must be a string",
    "session_id.length": f"session_id: at most {MAX_SESSION_ID} characters",
    "path.type": "path: must be a string",
    "path.length": f"path: at most {MAX_PATH} characters",
    "environment.type": "environment: must be a string",
    "environment.length": f"environment: at most {MAX_ENVIRONMENT} characters",
    "environment.not_allowed": "environment: not one of this application's environments",
    "plan.type": "plan: must be a string",
    "plan.length": f"plan: at most {MAX_PLAN} characters",
    "ts_epoch.type": "ts_epoch: must be a finite number of seconds since the Unix epoch",
    "ts_epoch.negative": "ts_epoch: must not be negative",
    "ts_epoch.future": "ts_epoch: more than {future} s ahead of the collector's clock",
    "event_id.format": "event_id: must be a UUID (8-4-4-4-12 hexadecimal digits)",
}


@dataclass(frozen=True)
class AppContext:
    """What the rules need to know about the sending application."""

    company_id: str
    app_id: str
    environments: frozenset[str]
    retention_days: int
    backfill_seconds: float
    future_seconds: float


@dataclass
class Verdicts:
    accepted: int = 0
    duplicates: int = 0
    quarantined: int = 0
    rejected: list[dict] = field(default_factory=list)
    reason_codes: Counter = field(default_factory=Counter)
    ignored_keys: Counter = field(default_factory=Counter)
    ignored_total: int = 0
    event_rows: list[list] = field(default_factory=list)
    quarantine_rows: list[list] = field(default_factory=list)
    # Event ids of every stored row, remembered (per application) once persisted.
    stored_ids: list[str] | set[str] = field(default_factory=list)

    def body(self) -> dict:
        result = {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "rejected": self.rejected,
        }
        if self.ignored_total:
            result["ignored_keys"] = dict(self.ignored_keys)
        return result
