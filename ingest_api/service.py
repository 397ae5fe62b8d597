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
from ingest_api.fastpath import MAX_WHITELISTED_EVENT_BYTES, FastPath
from ingest_api.metrics import IngestMetrics
from ingest_api.ratelimit import RateLimiter
from ingest_api.replay import ReplayGuard
from ingest_api.settings import IngestSettings
from ingest_api.spool import Spool, SpoolError, SpoolFull
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
        self.fast = FastPath(settings.max_events_per_batch)
        # Below this per-event limit a whitelisted event could exceed it: check sizes event by event.
        self._fast_any_size = settings.max_event_bytes >= MAX_WHITELISTED_EVENT_BYTES

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
        app_id = auth.context.app_id
        try:
            data = bodies.decode(request, raw, s.max_body_bytes)
            # The fast path (fastpath.py) first; every event not plainly accepted sends the
            # request to the per-event path, which alone gives rejections and duplicates.
            fast = None
            if self._fast_any_size or len(data) <= s.max_event_bytes:
                fast = self.fast.decode(data, shape == "single")
            events = self._events(data, shape) if fast is None else None
            sent = len(fast) if fast is not None else len(events)
            wait = self.limiter.acquire(app_id, sent)
            if wait:
                self.metrics.rate_limited.inc()
                raise rate_limited(wait, s.rate_limit_events_per_second)
            verdicts = self.fast.judge(fast, auth.context, self.recent) if fast is not None else None
            if verdicts is None:
                if events is None:
                    events = self._events_after_limit(data, shape, app_id, sent)
                verdicts = judge(events, auth.context, self.recent)
                self.metrics.judged_per_event.inc()
            else:
                self.metrics.judged_fast.inc()
            await self._persist(verdicts, auth, sent)
        except HTTPException as error:
            if error.status_code in (429, 503):
                # Nothing was stored: the identical request may be retried.
                self.replay.release(auth.timestamp, auth.signature)
            raise
        self._count(verdicts)
        return orjson.dumps(verdicts.body())

    def _events_after_limit(self, data: bytes, shape: Shape, app_id: str, sent: int) -> list:
        """The fast decoder took the body but its events need the per-event path: parse it as
        that path does. Should orjson refuse what msgspec took, the tokens go back."""
        try:
            return self._events(data, shape)
        except HTTPException:
            self.limiter.refund(app_id, sent)
            raise

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
        # orjson writes `[[...],[...]]`; without the outer brackets it is JSONCompactEachRow.
        # The records' checksums are computed by the writer thread (zlib releases the GIL there).
        records = []
        if verdicts.event_rows:
            rows = verdicts.event_rows
            records.append((EVENTS, len(rows), orjson.dumps(rows)[1:-1]))
        if verdicts.quarantine_rows:
            rows = verdicts.quarantine_rows
            records.append((QUARANTINE, len(rows), orjson.dumps(rows)[1:-1]))
        if not records:
            return
        try:
            await self.spool.append(records)
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
        m = self.metrics
        if verdicts.accepted:
            m.accepted_events.inc(verdicts.accepted)
        if verdicts.duplicates:
            m.events.labels("duplicate").inc(verdicts.duplicates)
        if verdicts.quarantined:
            m.events.labels("quarantined").inc(verdicts.quarantined)
        if verdicts.rejected:
            m.events.labels("rejected").inc(len(verdicts.rejected))
            for code, n in verdicts.reason_codes.items():
                self.metrics.rejected.labels(code).inc(n)
        if verdicts.ignored_total:
            self.metrics.ignored_keys.inc(verdicts.ignored_total)
