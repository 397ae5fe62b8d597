"""Metrics API keys: created with scopes, shown once, stored as a hash, verified fast.

A key looks like ``stk_<12 hex>_<43 base64url>``. The first part (``stk_`` and
the hex) is the key id: public, shown in listings and logs, the row's key. Only
SHA-256 of the whole key is stored; the random part has 256 bits, so a plain
hash needs no salt or slow KDF.

Verification compares hashes in constant time and caches the verdict for a few
seconds (keyed by the hash, never the key), because every metrics request
verifies its key. A revocation made in this process takes effect at once;
elsewhere within ``CACHE_TTL_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from saas_tracker.control import audit, store
from saas_tracker.control.errors import AuthenticationError, NotFound, PermissionDenied, ValidationError
from saas_tracker.control.models import ApiKeyInfo, ApiKeyPrincipal, CreatedApiKey
from saas_tracker.control.validation import require_scopes, require_uuid

KEY_PREFIX = "stk_"
_KEY = re.compile(r"^(stk_[0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_KEY_ID = re.compile(r"^stk_[0-9a-f]{12}$")
CACHE_TTL_SECONDS = 5.0
_CACHE_MAX_ENTRIES = 10_000
_MAX_NAME = 200


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _state(row: dict[str, Any], now: datetime) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    expires_at = store.as_utc(row["expires_at"])
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "active"


def _info(row: dict[str, Any], now: datetime) -> ApiKeyInfo:
    return ApiKeyInfo(
        key_id=row["key_id"],
        company_id=row["company_id"],
        name=row["name"],
        scopes=sorted(row["scopes"]),
        created_at=store.as_utc(row["created_at"]),
        created_by=row["created_by"],
        expires_at=store.as_utc(row["expires_at"]),
        revoked_at=store.as_utc(row["revoked_at"]),
        state=_state(row, now),
    )


def create_api_key(
    company_id: uuid.UUID | str,
    scopes: list[str] | tuple[str, ...],
    *,
    name: str = "",
    expires_in: timedelta | None = None,
    actor: str,
) -> CreatedApiKey:
    """A new key for ``company_id``; the returned ``key`` is the only time it is visible."""
    from saas_tracker.control.companies import require_active_company

    company = require_active_company(company_id)
    scopes = require_scopes(scopes)
    name = (name or "").strip()
    if len(name) > _MAX_NAME or any(ord(ch) < 32 for ch in name):
        raise ValidationError(f"name: at most {_MAX_NAME} characters without control characters", field="name")
    if expires_in is not None and expires_in <= timedelta(0):
        raise ValidationError("expires_in: must be positive", field="expires_in")
    key_id = KEY_PREFIX + secrets.token_hex(6)
    key = f"{key_id}_{secrets.token_urlsafe(32)}"
    now = store.utcnow()
    row = {
        "company_id": company.company_id,
        "key_id": key_id,
        "key_hash": _hash(key),
        "name": name,
        "scopes": scopes,
        "created_at": now,
        "created_by": actor,
        "expires_at": now + expires_in if expires_in is not None else None,
        "revoked_at": None,
        "version": store.next_version(),
        "is_deleted": 0,
    }
    store.insert("api_keys", [row])
    info = _info(row, now)
    audit.record(
        actor=actor,
        company_id=company.company_id,
        entity_type="api_key",
        entity_id=key_id,
        action="create",
        after=info,
    )
    return CreatedApiKey(info=info, key=key)


def _rows(company_id: uuid.UUID) -> list[dict[str, Any]]:
    return store.select(
        """
        SELECT * FROM tracker_control.api_keys FINAL
        WHERE company_id = {company_id:UUID} AND is_deleted = 0
        ORDER BY created_at, key_id
        """,
        {"company_id": company_id},
    )


def list_api_keys(company_id: uuid.UUID | str) -> list[ApiKeyInfo]:
    """Every key of the company, by id (prefix) only."""
    now = store.utcnow()
    return [_info(row, now) for row in _rows(require_uuid("company_id", company_id))]


def revoke_api_key(company_id: uuid.UUID | str, key_id: str, *, actor: str) -> ApiKeyInfo:
    """Revoke at once (in this process) and everywhere within the cache TTL. Idempotent."""
    company_id = require_uuid("company_id", company_id)
    now = store.utcnow()
    rows = [row for row in _rows(company_id) if row["key_id"] == key_id]
    if not rows:
        raise NotFound(f"key_id: no API key {key_id!r} in company {company_id}", field="key_id")
    before = rows[0]
    if before["revoked_at"] is not None:
        return _info(before, now)
    after = before | {"revoked_at": now, "version": store.next_version()}
    store.insert("api_keys", [after])
    audit.record(
        actor=actor,
        company_id=company_id,
        entity_type="api_key",
        entity_id=key_id,
        action="revoke",
        before=_info(before, now),
        after=_info(after, now),
    )
    _cache.forget_key_id(key_id)
    return _info(after, now)


def _verify_uncached(key: str) -> tuple[ApiKeyPrincipal, datetime | None]:
    match = _KEY.match(key)
    if match is None:
        raise AuthenticationError("api key: malformed (expected stk_<id>_<secret>)")
    key_id = match.group(1)
    rows = store.select(
        """
        SELECT k.company_id AS company_id, k.key_id AS key_id, k.key_hash AS key_hash, k.scopes AS scopes,
               k.expires_at AS expires_at, k.revoked_at AS revoked_at
        FROM tracker_control.api_keys AS k FINAL
        WHERE k.key_id = {key_id:String} AND k.is_deleted = 0
        """,
        {"key_id": key_id},
    )
    presented = _hash(key)
    # Compare even when the id is unknown, so the answer takes as long either way.
    stored = rows[0]["key_hash"] if rows else "0" * 64
    if not hmac.compare_digest(stored, presented) or not rows:
        raise AuthenticationError(f"api key: unknown key {key_id}")
    row = rows[0]
    state = _state(row, store.utcnow())
    if state != "active":
        raise AuthenticationError(f"api key: {state} key {key_id}")
    from saas_tracker.control.companies import get_company

    company = get_company(row["company_id"])
    if company.status != "active":
        raise AuthenticationError(f"api key: company of key {key_id} is {company.status}")
    principal = ApiKeyPrincipal(key_id=key_id, company_id=row["company_id"], scopes=frozenset(row["scopes"]))
    return principal, store.as_utc(row["expires_at"])


class _VerdictCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        # hash of the key -> (cached at, key id, verdict)
        self._entries: dict[str, tuple[float, str, tuple[ApiKeyPrincipal, datetime | None] | AuthenticationError]] = {}
        self._lock = threading.Lock()

    def verify(self, key: str, *, lookup: bool = True) -> ApiKeyPrincipal | None:
        """The principal; None (without lookup) when the verdict is not cached."""
        digest = _hash(key)
        now = time.monotonic()
        entry = self._entries.get(digest)
        if entry is None or now - entry[0] >= self.ttl:
            if not lookup:
                return None
            try:
                verdict: tuple[ApiKeyPrincipal, datetime | None] | AuthenticationError = _verify_uncached(key)
            except AuthenticationError as error:
                verdict = error
            match = _KEY.match(key)
            with self._lock:
                if len(self._entries) >= _CACHE_MAX_ENTRIES:
                    self._entries.clear()  # crude bound: a flood of bad keys cannot grow memory
                self._entries[digest] = (now, match.group(1) if match else "", verdict)
            entry = self._entries[digest]
        verdict = entry[2]
        if isinstance(verdict, AuthenticationError):
            raise AuthenticationError(verdict.message)
        principal, expires_at = verdict
        # Expiry is checked against the clock at use, not at caching time: no grace.
        if expires_at is not None and expires_at <= store.utcnow():
            raise AuthenticationError(f"api key: expired key {principal.key_id}")
        return principal

    def forget_key_id(self, key_id: str) -> None:
        with self._lock:
            for digest in [d for d, (_, kid, _) in self._entries.items() if kid == key_id]:
                del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _VerdictCache(CACHE_TTL_SECONDS)


def verify_api_key(key: str, *, scope: str | None = None) -> ApiKeyPrincipal:
    """The company and scopes ``key`` speaks for; AuthenticationError / PermissionDenied otherwise."""
    principal = _cache.verify((key or "").strip())
    assert principal is not None  # a lookup always reaches a verdict
    if scope is not None and not principal.has_scope(scope):
        raise PermissionDenied(f"scope: API key {principal.key_id} lacks the {scope!r} scope")
    return principal


def verify_cached_api_key(key: str) -> ApiKeyPrincipal | None:
    """Like verify_api_key from the verdict cache alone (no I/O); None when a lookup is needed."""
    return _cache.verify((key or "").strip(), lookup=False)


def forget_company(company_id: uuid.UUID) -> None:
    """Drop cached verdicts of every key of ``company_id`` (e.g. after archiving it)."""
    for row in _rows(company_id):
        _cache.forget_key_id(row["key_id"])


def set_cache_ttl(seconds: float) -> None:
    """Tests and operators can shorten the verdict cache; 0 disables it."""
    _cache.ttl = seconds
    _cache.clear()
