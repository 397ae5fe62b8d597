"""Authenticating a request: application id, signature, replay.

The application's credentials come from the control plane's cache
(``alookup_credentials``: fresh within 10 s); every secret valid at this
moment is tried, which is what lets producers rotate without losing events.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from fastapi import Request

from ingest_api.credentials import Credentials, CredentialsUnavailable
from ingest_api.errors import unauthorized, unavailable
from ingest_api.metrics import IngestMetrics
from ingest_api.replay import ReplayGuard
from ingest_api.validation import AppContext
from saas_tracker import signing
from saas_tracker.control.credentials import AppCredentials


@dataclass(frozen=True)
class Authenticated:
    credentials: AppCredentials
    context: AppContext
    timestamp: int
    signature: str


# app id -> (the credentials it was made from, future_seconds, context): one AppContext per
# credentials object rather than one per request (a few microseconds each).
_contexts: dict[str, tuple[AppCredentials, float, AppContext]] = {}


def _context(credentials: AppCredentials, future_seconds: float) -> AppContext:
    key = str(credentials.app_id)
    cached = _contexts.get(key)
    if cached is not None and cached[0] is credentials and cached[1] == future_seconds:
        return cached[2]
    context = _make_context(credentials, future_seconds)
    _contexts[key] = (credentials, future_seconds, context)
    return context


def _make_context(credentials: AppCredentials, future_seconds: float) -> AppContext:
    return AppContext(
        company_id=str(credentials.company_id),
        app_id=str(credentials.app_id),
        environments=frozenset(credentials.environments),
        retention_days=credentials.retention_days,
        backfill_seconds=credentials.backfill_window_days * 86_400.0,
        future_seconds=future_seconds,
    )


async def authenticate(
    request: Request,
    body: bytes,
    *,
    credentials: Credentials,
    replay: ReplayGuard,
    tolerance: int,
    future_seconds: float,
    metrics: IngestMetrics,
) -> Authenticated:
    app_header = request.headers.get(signing.APP_ID_HEADER)
    if not app_header:
        metrics.auth_failures.labels("missing").inc()
        raise unauthorized(f"{signing.APP_ID_HEADER} header is required")
    try:
        uuid.UUID(app_header)
    except ValueError:
        metrics.auth_failures.labels("unknown_app").inc()
        raise unauthorized(f"{signing.APP_ID_HEADER} must be an application id (a UUID)") from None
    header = request.headers.get(signing.SIGNATURE_HEADER)
    try:
        parsed = signing.parse(header)
    except signing.SignatureError as error:
        metrics.auth_failures.labels(error.reason).inc()
        raise unauthorized(str(error)) from None
    app = await _lookup(credentials, app_header, fresh=False, metrics=metrics)
    now = time.time()
    matched = _verify(header, app_header, body, app, now, tolerance, metrics)
    if matched is None:
        # Perhaps signed with a secret issued since we last looked: check fresh credentials once.
        latest = await _lookup(credentials, app_header, fresh=True, metrics=metrics)
        if latest is not app:
            app = latest
            matched = _verify(header, app_header, body, app, now, tolerance, metrics)
    if matched is None:
        metrics.auth_failures.labels("mismatch").inc()
        raise unauthorized(f"{signing.SIGNATURE_HEADER}: no signature matches a valid secret of this application")
    if not replay.claim(parsed.timestamp, matched, now=now):
        metrics.auth_failures.labels("replayed").inc()
        raise unauthorized(f"{signing.SIGNATURE_HEADER}: this signature was already used; sign each request anew")
    return Authenticated(app, _context(app, future_seconds), parsed.timestamp, matched)


def _verify(header, app_id, body, app, now, tolerance, metrics) -> str | None:
    """The matching v1 value, or None when no valid secret matches; 401 for other failures."""
    try:
        return signing.verify(header, app_id, body, app.keys(), now=now, tolerance=tolerance)
    except signing.SignatureError as error:
        if error.reason == "mismatch":
            return None
        metrics.auth_failures.labels(error.reason).inc()
        raise unauthorized(str(error)) from None


async def _lookup(credentials: Credentials, app_id: str, *, fresh: bool, metrics: IngestMetrics) -> AppCredentials:
    try:
        app = await credentials.get(app_id, fresh=fresh)
    except CredentialsUnavailable as error:
        metrics.auth_failures.labels("unavailable").inc()
        raise unavailable(f"{error}; retry later", 1) from None
    if app is None or not app.is_active:
        metrics.auth_failures.labels("unknown_app").inc()
        raise unauthorized("unknown or inactive application")
    return app
