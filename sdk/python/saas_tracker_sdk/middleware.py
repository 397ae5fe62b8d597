"""Track every HTTP request of a Starlette or FastAPI app (``pip install saas-tracker-sdk[starlette]``).

    app.add_middleware(
        TrackerMiddleware,
        tracker=tracker,
        customer_org=lambda request: request.state.org_id,   # None: not tracked
        user_id=lambda request: request.state.user_id,
    )

The callables run after the response is sent, so they see what your
authentication put on ``request.state``. They may be sync or async. A request
whose ``customer_org`` is None (anonymous, health checks) is not tracked, and
nothing the middleware does can fail the request: errors are logged.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from saas_tracker_sdk.client import Tracker

log = logging.getLogger("saas_tracker_sdk")

RequestValue = Callable[[Request], str | None | Awaitable[str | None]]


async def _call(function: RequestValue | None, request: Request) -> str | None:
    if function is None:
        return None
    value = function(request)
    if inspect.isawaitable(value):
        value = await value
    return None if value is None else str(value)


class TrackerMiddleware:
    """A pure ASGI middleware (no BaseHTTPMiddleware overhead, streaming responses untouched)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tracker: Tracker,
        customer_org: RequestValue,
        event: str | Callable[[Request], str] = "http_request",
        user_id: RequestValue | None = None,
        session_id: RequestValue | None = None,
        plan: RequestValue | None = None,
        exclude_paths: Iterable[str] = ("/healthz", "/readyz", "/metrics"),
    ) -> None:
        self.app = app
        self.tracker = tracker
        self.customer_org = customer_org
        self.event = event
        self.user_id = user_id
        self.session_id = session_id
        self.plan = plan
        self.exclude_paths = tuple(exclude_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(self.exclude_paths):
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            # Track even if the app raised: a 500 is usage too (and the org is still known).
            await self._track(scope)

    async def _track(self, scope: Scope) -> None:
        try:
            request = Request(scope)
            org = await _call(self.customer_org, request)
            if org is None:
                return
            name = self.event(request) if callable(self.event) else self.event
            self.tracker.track(
                name,
                org,
                user_id=await _call(self.user_id, request),
                session_id=await _call(self.session_id, request),
                plan=await _call(self.plan, request),
                path=scope.get("path"),
            )
        except Exception:  # noqa: BLE001 - tracking must never break the product
            log.exception("saas-tracker: could not track a request")
