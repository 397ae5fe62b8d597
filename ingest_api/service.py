"""The collector: one object per app holding the state requests share.

``Collector.ingest`` is the whole request path after the body is read:
authenticate, decode, parse, enforce limits, rate-limit, judge every event,
persist the stored rows (group commit into the spool) and answer with the
verdicts. Nothing is acknowledged before it is fsynced.
"""

from __future__ import annotations

import logging
import time
from typing import Literal

import orjson
from fastapi import HTTPException, Request

from ingest_api import body as bodies
from ingest_api.auth import Authenticated, authenticate
from ingest_api.credentials import Credentials
from ingest_api.dedup import RecentEvents
from ingest_api.errors import rate_limited, too_large, unavailable
from ingest_api.metrics import IngestMetrics
from ingest_api.ratelimit import RateLimiter
from ingest_api.replay import ReplayGuard
from ingest_api.settings import IngestSettings
from ingest_api.spool import Spool, SpoolError, SpoolFull
from ingest_api.spool.segments import encode
from ingest_api.tables import EVENTS, QUARANTINE
from ingest_api.validation import Verdicts, judge

log = logging.getLogger("ingest_api")

Shape = Literal["batch", "single"]


class Collector:
    def __init__(self, settings: IngestSettings, spool: Spool, metrics: IngestMetrics) -> None:
        self.settings = settings
        self.spool = spool
        self.metrics = metrics
        self.credentials = Credentials()
        self.replay = ReplayGuard(settings.signature_tolerance_seconds)
        self.recent = RecentEvents(settings.dedup_window_seconds, settings.dedup_max_entries)
        self.limiter = RateLimiter(settings.rate_limit_events_per_second, settings.rate_limit_burst_events)

    async def ingest(self, request: Request, shape: Shape) -> bytes:
        """The JSON response body for a valid request; raises HTTPException otherwise."""
        s = self.settings
        bodies.require_json(request)
        raw = await bodies.read_body(request, s.max_body_bytes)
        auth = await authenticate(
            request,
            raw,
            credentials=self.credentials,
            replay=self.replay,
            tolerance=s.signature_tolerance_seconds,
            future_seconds=s.future_tolerance_seconds,
            metrics=self.metrics,
        )
        try:
            events = self._events(bodies.decode(request, raw, s.max_body_bytes), shape)
            wait = self.limiter.acquire(auth.context.app_id, len(events))
            if wait:
                self.metrics.rate_limited.inc()
                raise rate_limited(wait, s.rate_limit_events_per_second)
            verdicts = judge(events, auth.context, self.recent)
            await self._persist(verdicts, auth, len(events))
        except HTTPException as error:
            if error.status_code in (429, 503):
                # Nothing was stored: the identical request may be retried.
                self.replay.release(auth.timestamp, auth.signature)
            raise
        self._count(verdicts)
        return orjson.dumps(verdicts.body())

    def _events(self, data: bytes, shape: Shape) -> list:
        s = self.settings
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise HTTPException(400, f"the body is not valid JSON: {error}") from None
        if shape == "single":
            if type(payload) is not dict:
                raise HTTPException(400, "the body must be one event object")
            events = [payload]
        else:
            events = payload.get("events") if type(payload) is dict else None
            if type(events) is not list:
                raise HTTPException(400, 'the body must be an object with an "events" array')
        if len(events) > s.max_events_per_batch:
            raise too_large(
                f"the batch has {len(events)} events; the limit is {s.max_events_per_batch} events per request"
            )
        # No event can exceed the per-event limit when the whole body does not.
        if len(data) > s.max_event_bytes:
            for index, event in enumerate(events):
                size = len(orjson.dumps(event))
                if size > s.max_event_bytes:
                    raise too_large(
                        f"event {index} is {size} bytes as JSON; the limit is {s.max_event_bytes} bytes "
                        "(32 KB) per event"
                    )
        return events

    async def _persist(self, verdicts: Verdicts, auth: Authenticated, sent: int) -> None:
        parts = []
        if verdicts.event_rows:
            rows = verdicts.event_rows
            # orjson writes `[[...],[...]]`; without the outer brackets it is JSONCompactEachRow.
            parts.append(encode(EVENTS, len(rows), orjson.dumps(rows)[1:-1]))
        if verdicts.quarantine_rows:
            rows = verdicts.quarantine_rows
            parts.append(encode(QUARANTINE, len(rows), orjson.dumps(rows)[1:-1]))
        if not parts:
            return
        try:
            await self.spool.append(parts[0] if len(parts) == 1 else b"".join(parts))
        except SpoolFull:
            self.metrics.spool_full.inc()
            self.limiter.refund(auth.context.app_id, sent)
            log.warning("spool full: refusing a request", extra={"app_id": auth.context.app_id})
            raise unavailable(
                "the collector cannot persist events right now (spool full); retry later",
                self.settings.spool_full_retry_after_seconds,
            ) from None
        except SpoolError as error:
            self.limiter.refund(auth.context.app_id, sent)
            raise unavailable(f"the collector cannot persist events right now ({error}); retry later", 1) from None
        self.recent.remember(auth.context.app_id, verdicts.stored_ids, time.monotonic())

    def _count(self, verdicts: Verdicts) -> None:
        m = self.metrics.events
        if verdicts.accepted:
            m.labels("accepted").inc(verdicts.accepted)
        if verdicts.duplicates:
            m.labels("duplicate").inc(verdicts.duplicates)
        if verdicts.quarantined:
            m.labels("quarantined").inc(verdicts.quarantined)
        if verdicts.rejected:
            m.labels("rejected").inc(len(verdicts.rejected))
            for code, n in verdicts.reason_codes.items():
                self.metrics.rejected.labels(code).inc(n)
        if verdicts.ignored_total:
            self.metrics.ignored_keys.inc(verdicts.ignored_total)
