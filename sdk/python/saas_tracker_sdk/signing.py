"""The request signing scheme of the SaaS Tracker collector (DESIGN.md section 5).

This module is the one implementation of the scheme: the SDK signs with it, the
collector verifies with it (``saas_tracker.signing`` re-exports it) and the tests
use it. It depends on the standard library only.

    X-Tracker-App-Id:    <app id>
    X-Tracker-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<app id>." + body)>

- The key is the application secret exactly as shown at creation, UTF-8 encoded.
- ``body`` is the exact bytes on the wire: for a gzip body, the compressed bytes.
- ``<app id>`` is the X-Tracker-App-Id header value exactly as sent.
- A header may carry several ``v1=`` values (a client signing with both secrets
  while it rotates them); one matching value is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass

APP_ID_HEADER = "X-Tracker-App-Id"
SIGNATURE_HEADER = "X-Tracker-Signature"
SCHEME = "v1"
TOLERANCE_SECONDS = 300
# A header naming more values than this is refused before any HMAC is computed,
# so a crafted header cannot make the collector hash the body many times.
MAX_SIGNATURES = 4


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason  # short code for metrics: malformed, stale, mismatch


@dataclass(frozen=True)
class ParsedSignature:
    timestamp: int
    signatures: tuple[str, ...]


def signing_key(secret: str | bytes) -> bytes:
    """The HMAC key: the secret exactly as shown at creation, UTF-8 encoded."""
    return secret if isinstance(secret, bytes) else secret.encode("utf-8")


def compute(key: bytes, app_id: str, timestamp: int, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 over ``"<t>.<app id>." + body``."""
    mac = hmac.new(key, f"{timestamp}.{app_id}.".encode("ascii"), hashlib.sha256)
    mac.update(body)
    return mac.hexdigest()


def sign(
    secrets: str | bytes | Iterable[str | bytes], app_id: str, body: bytes, *, timestamp: int | None = None
) -> str:
    """The X-Tracker-Signature header value for ``body``, one ``v1=`` per secret given."""
    if isinstance(secrets, str | bytes):
        secrets = [secrets]
    t = int(time.time()) if timestamp is None else int(timestamp)
    values = [compute(signing_key(s), app_id, t, body) for s in secrets]
    if not values:
        raise ValueError("sign() needs at least one secret")
    return ",".join([f"t={t}", *(f"{SCHEME}={v}" for v in values)])


def signed_headers(secret: str | bytes, app_id: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """Both authentication headers for a request carrying ``body``."""
    return {APP_ID_HEADER: app_id, SIGNATURE_HEADER: sign(secret, app_id, body, timestamp=timestamp)}


def parse(header: str | None) -> ParsedSignature:
    """Split ``t=...,v1=...[,v1=...]``; unknown schemes are ignored (room for a future v2)."""
    if not header:
        raise SignatureError("missing", f"{SIGNATURE_HEADER} header is required")
    timestamp: int | None = None
    values: list[str] = []
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed", f"{SIGNATURE_HEADER}: expected t=<unix seconds>,v1=<hex>")
        if name == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit() or len(value) > 12:
                raise SignatureError("malformed", f"{SIGNATURE_HEADER}: t must appear once, in whole Unix seconds")
            timestamp = int(value)
        elif name == SCHEME:
            if len(value) != 64 or not _is_lower_hex(value):
                raise SignatureError("malformed", f"{SIGNATURE_HEADER}: v1 must be 64 lowercase hex characters")
            values.append(value)
    if timestamp is None or not values:
        raise SignatureError("malformed", f"{SIGNATURE_HEADER}: expected t=<unix seconds>,v1=<hex>")
    if len(values) > MAX_SIGNATURES:
        raise SignatureError("malformed", f"{SIGNATURE_HEADER}: at most {MAX_SIGNATURES} v1 values are allowed")
    return ParsedSignature(timestamp, tuple(values))


def verify(
    header: str | None,
    app_id: str,
    body: bytes,
    keys: Iterable[bytes],
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """Check ``header`` against every valid key; return the matching ``v1`` value.

    Raises :class:`SignatureError` when the header is malformed, its timestamp is
    more than ``tolerance`` seconds away from ``now``, or no value matches any key.
    Every comparison is constant-time (:func:`hmac.compare_digest`).
    """
    parsed = parse(header)
    now = time.time() if now is None else now
    if abs(now - parsed.timestamp) > tolerance:
        raise SignatureError(
            "stale", f"{SIGNATURE_HEADER}: timestamp is more than {tolerance} s away from the collector's clock"
        )
    matched: str | None = None
    for key in keys:
        expected = compute(key, app_id, parsed.timestamp, body)
        for value in parsed.signatures:
            # No early exit: the time taken does not depend on which value matched.
            if hmac.compare_digest(expected, value) and matched is None:
                matched = value
    if matched is None:
        raise SignatureError("mismatch", f"{SIGNATURE_HEADER}: no signature matches a valid secret of this application")
    return matched


_HEX = frozenset("0123456789abcdef")


def _is_lower_hex(value: str) -> bool:
    return _HEX.issuperset(value)
