"""Ingest credentials: issuing, rotating and revoking application secrets, and the
cached lookup the collector authenticates with.

A secret is ``sts_`` + 32 random bytes in base64url; the HMAC key is that exact
string, UTF-8 encoded (DESIGN.md section 5). It is shown once and stored only
encrypted (crypto.py).

Rotation issues a new secret that is valid at once and gives the previous
one(s) an expiry (default 24 h), so producers can switch without losing events.
At most two secrets are valid at a time; rotating again while an old secret is
still draining is refused (revoke it first). Revocation is immediate in the
database and reaches every collector within the cache TTL (10 s).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from saas_tracker.control import audit, store
from saas_tracker.control.crypto import secret_box
from saas_tracker.control.errors import Conflict, NotFound, ValidationError
from saas_tracker.control.models import Application, IssuedSecret, SecretInfo
from saas_tracker.control.validation import require_uuid

SECRET_PREFIX = "sts_"
SECRET_BYTES = 32
DEFAULT_OLD_SECRET_VALIDITY = timedelta(hours=24)
MAX_OLD_SECRET_VALIDITY = timedelta(days=30)
MAX_VALID_SECRETS = 2
CACHE_TTL_SECONDS = 10.0
# Unknown app ids are answered from an index of all app ids at most this old, so a
# flood of random ids costs one query per interval, not one per request.
UNKNOWN_APP_TTL_SECONDS = 2.0


def generate_secret() -> str:
    return SECRET_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _context(app_id: uuid.UUID, secret_id: str) -> str:
    return f"app-secret:{app_id}:{secret_id}"


def _state(row: dict[str, Any], now: datetime) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    expires_at = store.as_utc(row["expires_at"])
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "active"


def _rows(app_id: uuid.UUID) -> list[dict[str, Any]]:
    return store.select(
        """
        SELECT * FROM tracker_control.app_secrets FINAL
        WHERE app_id = {app_id:UUID} AND is_deleted = 0
        ORDER BY created_at, secret_id
        """,
        {"app_id": app_id},
    )


def _info(row: dict[str, Any], now: datetime) -> SecretInfo:
    return SecretInfo(
        secret_id=row["secret_id"],
        app_id=row["app_id"],
        company_id=row["company_id"],
        created_at=store.as_utc(row["created_at"]),
        expires_at=store.as_utc(row["expires_at"]),
        revoked_at=store.as_utc(row["revoked_at"]),
        state=_state(row, now),
    )


def _store_row(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("version",)} | changes | {"version": store.next_version()}


def _audit(app: Application, action: str, before: SecretInfo | None, after: SecretInfo | None, actor: str) -> None:
    audit.record(
        actor=actor,
        company_id=app.company_id,
        entity_type="app_secret",
        entity_id=f"{app.app_id}/{(after or before).secret_id}",
        action=action,
        before=before,
        after=after,
    )


def issue_secret(app: Application, *, actor: str, previous_expires_at: datetime | None = None) -> IssuedSecret:
    """Create, encrypt and store a new secret for ``app``; the plaintext is returned once."""
    secret = generate_secret()
    secret_id = "sec_" + secrets.token_hex(6)
    now = store.utcnow()
    row = {
        "company_id": app.company_id,
        "app_id": app.app_id,
        "secret_id": secret_id,
        "secret_ciphertext": secret_box().encrypt(secret, context=_context(app.app_id, secret_id)),
        "created_at": now,
        "expires_at": None,
        "revoked_at": None,
        "version": store.next_version(),
        "is_deleted": 0,
    }
    store.insert("app_secrets", [row])
    _audit(app, "issue", None, _info(row, now), actor)
    invalidate(app.app_id)
    return IssuedSecret(app_id=app.app_id, secret_id=secret_id, secret=secret, previous_expires_at=previous_expires_at)


def list_secrets(app_id: uuid.UUID | str, *, company_id: uuid.UUID | str | None = None) -> list[SecretInfo]:
    from saas_tracker.control.applications import get_application

    app = get_application(app_id, company_id=company_id)
    now = store.utcnow()
    return [_info(row, now) for row in _rows(app.app_id)]


def rotate_secret(
    app_id: uuid.UUID | str,
    *,
    company_id: uuid.UUID | str | None = None,
    old_valid_for: timedelta = DEFAULT_OLD_SECRET_VALIDITY,
    actor: str,
) -> IssuedSecret:
    """A new secret, valid at once; the current one stays valid for ``old_valid_for``."""
    from saas_tracker.control.applications import get_application

    if not timedelta(0) <= old_valid_for <= MAX_OLD_SECRET_VALIDITY:
        raise ValidationError(
            f"old_valid_for: must be between 0 and {MAX_OLD_SECRET_VALIDITY.days} days", field="old_valid_for"
        )
    app = get_application(app_id, company_id=company_id)
    secret_box()  # a missing server key must refuse before the old secrets get an expiry
    if app.status != "active":
        raise Conflict(f"app_id: application {app.app_id} is archived; its secrets cannot be rotated", field="app_id")
    now = store.utcnow()
    deadline = now + old_valid_for
    valid = [row for row in _rows(app.app_id) if _state(row, now) == "active"]
    if old_valid_for > timedelta(0) and len(valid) >= MAX_VALID_SECRETS:
        draining = min(valid, key=lambda row: store.as_utc(row["expires_at"]) or deadline)
        raise Conflict(
            f"app_id: application {app.app_id} already has {len(valid)} valid secrets (rotation in progress: "
            f"{draining['secret_id']} expires at {store.as_utc(draining['expires_at'])}); revoke it first "
            "or rotate with an old-secret validity of 0",
            field="app_id",
        )
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for row in valid:
        current = store.as_utc(row["expires_at"])
        if current is None or current > deadline:
            changed.append((row, _store_row(row, expires_at=deadline)))
    store.insert("app_secrets", [after for _, after in changed])
    for before, after in changed:
        _audit(app, "expire", _info(before, now), _info(after, now), actor)
    return issue_secret(app, actor=actor, previous_expires_at=deadline if valid else None)


def revoke_secret(
    app_id: uuid.UUID | str,
    secret_id: str | None = None,
    *,
    company_id: uuid.UUID | str | None = None,
    actor: str,
) -> list[SecretInfo]:
    """Revoke one secret (``secret_id``) or every valid one; effective immediately."""
    from saas_tracker.control.applications import get_application

    app = get_application(app_id, company_id=company_id)
    now = store.utcnow()
    rows = _rows(app.app_id)
    if secret_id is not None:
        rows = [row for row in rows if row["secret_id"] == secret_id]
        if not rows:
            raise NotFound(f"secret_id: application {app.app_id} has no secret {secret_id!r}", field="secret_id")
        if rows[0]["revoked_at"] is not None:
            return [_info(rows[0], now)]
    else:
        rows = [row for row in rows if _state(row, now) == "active"]
    changed = [(row, _store_row(row, revoked_at=now)) for row in rows]
    store.insert("app_secrets", [after for _, after in changed])
    for before, after in changed:
        _audit(app, "revoke", _info(before, now), _info(after, now), actor)
    invalidate(app.app_id)
    return [_info(after, now) for _, after in changed]


# --- the collector's view ---------------------------------------------------


@dataclass(frozen=True)
class ValidSecret:
    secret_id: str
    secret: str = field(repr=False)
    expires_at: datetime | None

    @property
    def key(self) -> bytes:
        """The HMAC key: the secret exactly as shown at creation, UTF-8 encoded."""
        return self.secret.encode("utf-8")

    def valid_at(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class AppCredentials:
    """What the collector needs to authenticate and stamp an application's events."""

    app_id: uuid.UUID
    company_id: uuid.UUID
    app_status: str
    company_status: str
    # Allowed `environment` labels; empty = any.
    environments: tuple[str, ...]
    plan: str
    retention_days: int
    backfill_window_days: int
    secrets: tuple[ValidSecret, ...] = field(repr=False)

    @property
    def is_active(self) -> bool:
        return self.app_status == "active" and self.company_status == "active"

    def valid_secrets(self, now: datetime | None = None) -> list[ValidSecret]:
        """Secrets valid at ``now``: expiry is checked at use time, not at cache time."""
        if not self.is_active:
            return []
        now = now or store.utcnow()
        return [s for s in self.secrets if s.valid_at(now)]

    def keys(self, now: datetime | None = None) -> list[bytes]:
        return [s.key for s in self.valid_secrets(now)]


def fetch_credentials(app_id: uuid.UUID | str) -> AppCredentials | None:
    """Uncached: read the application, its company, subscription and valid secrets."""
    from saas_tracker.control.applications import get_application
    from saas_tracker.control.companies import get_company
    from saas_tracker.control.subscriptions import get_subscription

    try:
        app = get_application(app_id)
    except (NotFound, ValidationError):
        return None
    company = get_company(app.company_id)
    subscription = get_subscription(app.company_id)
    now = store.utcnow()
    box = secret_box()
    valid = tuple(
        ValidSecret(
            secret_id=row["secret_id"],
            secret=box.decrypt(row["secret_ciphertext"], context=_context(app.app_id, row["secret_id"])),
            expires_at=store.as_utc(row["expires_at"]),
        )
        for row in _rows(app.app_id)
        if _state(row, now) == "active"
    )
    return AppCredentials(
        app_id=app.app_id,
        company_id=app.company_id,
        app_status=app.status,
        company_status=company.status,
        environments=tuple(app.environments),
        plan=subscription.plan_key,
        retention_days=subscription.retention_days,
        backfill_window_days=app.backfill_window_days,
        secrets=valid,
    )


class CredentialCache:
    """Per-application cache of :class:`AppCredentials` with a short TTL.

    Changes made through this process (rotate, revoke, archive) invalidate the
    entry at once; changes made elsewhere are seen within ``ttl`` seconds.
    """

    def __init__(self, ttl: float = CACHE_TTL_SECONDS, unknown_ttl: float = UNKNOWN_APP_TTL_SECONDS) -> None:
        self.ttl = ttl
        self.unknown_ttl = unknown_ttl
        self._entries: dict[uuid.UUID, tuple[float, AppCredentials]] = {}
        self._known: tuple[float, frozenset[uuid.UUID]] = (float("-inf"), frozenset())
        self._lock = threading.Lock()
        self._fetch_locks: dict[uuid.UUID, threading.Lock] = {}

    def get(self, app_id: uuid.UUID | str) -> AppCredentials | None:
        try:
            app_id = require_uuid("app_id", app_id)
        except ValidationError:
            return None
        now = time.monotonic()
        entry = self._entries.get(app_id)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        if not self._may_exist(app_id, now):
            return None
        with self._lock:
            fetch_lock = self._fetch_locks.setdefault(app_id, threading.Lock())
        with fetch_lock:  # one fetch per application at a time; the others reuse it
            entry = self._entries.get(app_id)
            if entry is not None and time.monotonic() - entry[0] < self.ttl:
                return entry[1]
            started = time.monotonic()
            credentials = fetch_credentials(app_id)
            if credentials is None:
                self._entries.pop(app_id, None)
            else:
                self._entries[app_id] = (started, credentials)
            return credentials

    async def aget(self, app_id: uuid.UUID | str) -> AppCredentials | None:
        """For asyncio callers: a cache hit returns at once, a miss queries in a worker thread."""
        try:
            key = require_uuid("app_id", app_id)
        except ValidationError:
            return None
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < self.ttl:
            return entry[1]
        return await asyncio.to_thread(self.get, key)

    def _may_exist(self, app_id: uuid.UUID, now: float) -> bool:
        fetched_at, known = self._known
        if app_id in known:
            return True
        if now - fetched_at < self.unknown_ttl:
            return False
        rows = store.select("SELECT DISTINCT app_id FROM tracker_control.applications WHERE is_deleted = 0")
        self._known = (now, frozenset(row["app_id"] for row in rows))
        return app_id in self._known[1]

    def invalidate(self, app_id: uuid.UUID | None = None) -> None:
        if app_id is None:
            self._entries.clear()
            self._known = (float("-inf"), frozenset())
        else:
            self._entries.pop(app_id, None)
            fetched_at, known = self._known
            if app_id not in known:
                self._known = (float("-inf"), known)


_default_cache = CredentialCache()


def credential_cache() -> CredentialCache:
    """The process-wide cache the collector uses."""
    return _default_cache


def lookup_credentials(app_id: uuid.UUID | str) -> AppCredentials | None:
    """Credentials for ``app_id`` (None if unknown); fresh within 10 seconds."""
    return _default_cache.get(app_id)


async def alookup_credentials(app_id: uuid.UUID | str) -> AppCredentials | None:
    return await _default_cache.aget(app_id)


def invalidate(app_id: uuid.UUID | None = None) -> None:
    _default_cache.invalidate(app_id)
