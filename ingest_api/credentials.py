"""The collector's view of application credentials: stale-if-error.

The control plane's cache (``alookup_credentials``) reads ClickHouse when an
entry is older than 10 s. The collector must keep acknowledging events into its
spool while ClickHouse is down, so it keeps the last credentials it saw per
application and, once they are a second old, refreshes them in the background
while still answering with them. Only an application never seen before waits
for a lookup, and at most ``timeout`` seconds (then 503, retry later).

Consequence, on purpose: during a ClickHouse outage a secret revoked just
before it keeps working until ClickHouse answers again. A new secret is picked
up at once: a signature that matches no known secret triggers a fresh lookup.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from saas_tracker.control.credentials import AppCredentials, alookup_credentials, invalidate

log = logging.getLogger("ingest_api")

Lookup = Callable[[str], Awaitable[AppCredentials | None]]
# The control plane answers unknown ids from an index of app ids up to 2 s old, so
# a just-created application would be refused; an unknown id forces a re-read of
# that index, at most this often (a flood of random ids costs a query per interval).
UNKNOWN_RECHECK_SECONDS = 0.5


class CredentialsUnavailable(RuntimeError):
    """The application was never seen and its credentials cannot be read now."""


class Credentials:
    def __init__(self, lookup: Lookup = alookup_credentials, *, refresh_after: float = 1.0, timeout: float = 2.0):
        self._lookup = lookup
        self.refresh_after = refresh_after
        self.timeout = timeout
        self._known: dict[str, tuple[float, AppCredentials]] = {}
        self._refreshing: dict[str, asyncio.Task] = {}
        self._rechecked_at = float("-inf")
        self._failing: set[str] = set()

    async def get(self, app_id: str, *, fresh: bool = False) -> AppCredentials | None:
        """Credentials of ``app_id`` (None: unknown); ``fresh`` waits for a new lookup."""
        entry = self._known.get(app_id)
        if entry is not None and not fresh and time.monotonic() - entry[0] < self.refresh_after:
            return entry[1]
        task = self._refreshing.get(app_id)
        if task is None:
            task = self._refreshing[app_id] = asyncio.create_task(self._fetch(app_id))
            task.add_done_callback(_consume)  # a background refresh's error is logged, not raised
        if entry is not None and not fresh:
            return entry[1]
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.timeout)
        except Exception as error:  # noqa: BLE001 - timeout or ClickHouse error: fall back or give up
            if entry is not None:
                return entry[1]
            raise CredentialsUnavailable(
                f"cannot read the application's credentials now ({type(error).__name__})"
            ) from None

    async def _fetch(self, app_id: str) -> AppCredentials | None:
        try:
            credentials = await self._lookup(app_id)
            if credentials is None and time.monotonic() - self._rechecked_at > UNKNOWN_RECHECK_SECONDS:
                self._rechecked_at = time.monotonic()
                invalidate(uuid.UUID(app_id))
                credentials = await self._lookup(app_id)
        except Exception as error:
            # Once per outage and known application, not once a second (nor per random id).
            known = app_id in self._known
            level = logging.WARNING if known and app_id not in self._failing else logging.DEBUG
            if known:
                self._failing.add(app_id)
            log.log(
                level,
                "credential lookup failed; using the last known credentials",
                extra={"app_id": app_id, "error": f"{type(error).__name__}: {error}"[:300]},
            )
            raise
        finally:
            self._refreshing.pop(app_id, None)
        self._failing.discard(app_id)
        if credentials is None:
            self._known.pop(app_id, None)  # unknown ids are not remembered: a flood of them costs no memory
        else:
            self._known[app_id] = (time.monotonic(), credentials)
        return credentials


def _consume(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()
