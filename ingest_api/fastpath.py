"""The optimistic fast path: a whole well-formed request judged in one compiled pass.

Nearly every request a producer sends is plainly valid (the SDK builds the
events), so the collector first tries to decode the body straight into typed
events with msgspec, whose C decoder enforces the whitelist (an unknown key is
an error) and every length bound while it parses, then checks what is left
(name charset, user hash, event id format, environment, time window,
duplicates) a column at a time with set operations and one regex pass per
column. It answers only "every event is accepted"; at the first thing that
would be anything else (a rejection, a duplicate, a quarantine, an extra key,
an explicit null, an event without ``event_id``, a body msgspec cannot
decode) it returns None and the request is judged event by event
(validation.py), which alone knows the exact verdicts and reasons. So the
answer and the stored rows are the per-event path's, only cheaper: measured
per 100 events on this machine, about 90 us for decode + checks + rows
against about 180 us for orjson + the per-event rules
(tests/ingest/test_fastpath.py checks the equivalence with hypothesis).

Why a request that passes here cannot hit a limit the per-event path would
refuse: the list is bounded by ``max_events_per_batch``, and an event holding
only whitelisted keys within their length bounds is at most about 17 KB as
JSON (every character escaped as ``\\u00XX``), under the 32 KB per-event limit.
"""

from __future__ import annotations

import re
import time
from itertools import repeat
from operator import attrgetter
from typing import Annotated

import msgspec
from msgspec import Meta

from ingest_api.dedup import RecentEvents
from ingest_api.rules import (
    MAX_ENVIRONMENT,
    MAX_EVENT_NAME,
    MAX_ORG_ID,
    MAX_PATH,
    MAX_PLAN,
    MAX_SESSION_ID,
    UUID,
    AppContext,
    Verdicts,
    is_event_name,
    is_user_hash,
)

# The per-event bound the argument above relies on; checked by a test against the settings' limit.
MAX_WHITELISTED_EVENT_BYTES = (
    6 * (MAX_EVENT_NAME + MAX_ORG_ID + 64 + MAX_SESSION_ID + MAX_PATH + MAX_ENVIRONMENT + MAX_PLAN + 36) + 512
)


class FastEvent(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An event as the fast path accepts it; anything else falls back to the per-event path.

    Optional strings default to "" (what is stored when absent) and refuse null;
    ``environment`` defaults to None because an explicit "" is not the same as
    no environment when the application declares its environments.
    ``gc=False``: these hold only strings and numbers, so the cyclic garbage
    collector need not track them.
    """

    event: Annotated[str, Meta(min_length=1, max_length=MAX_EVENT_NAME)]
    customer_org_id: Annotated[str, Meta(min_length=1, max_length=MAX_ORG_ID)]
    event_id: Annotated[str, Meta(min_length=36, max_length=36)]
    user_hash: Annotated[str, Meta(min_length=64, max_length=64)] = ""
    session_id: Annotated[str, Meta(max_length=MAX_SESSION_ID)] = ""
    path: Annotated[str, Meta(max_length=MAX_PATH)] = ""
    environment: Annotated[str, Meta(max_length=MAX_ENVIRONMENT)] | None = None
    plan: Annotated[str, Meta(max_length=MAX_PLAN)] = ""
    # msgspec gives ints as floats and refuses booleans; None: the collector's clock.
    ts_epoch: Annotated[float, Meta(ge=0)] | None = None


_COLUMNS = attrgetter(
    "event", "customer_org_id", "event_id", "user_hash", "session_id", "path", "environment", "plan", "ts_epoch"
)
# n ids of exactly 36 characters joined by newlines: the k-th UUID match is the k-th id.
_ALL_UUIDS = re.compile(f"{UUID}(?:\n{UUID})*").fullmatch


class _Valid(set):
    """Values that passed a regular expression (event names and user hashes repeat a lot).

    Bounded: cleared when full. Only values not seen before are matched.
    ``always`` are valid without a match (the "" of an absent user hash: an
    explicit "" never gets here, msgspec refuses it for its length).
    """

    def __init__(self, check, always: tuple[str, ...] = (), limit: int = 100_000):
        super().__init__(always)
        self.check = check
        self.always = always
        self.limit = limit

    def all_valid(self, values) -> bool:
        if self.issuperset(values):
            return True
        new = set(values) - self
        if not all(map(self.check, new)):
            return False
        if len(self) + len(new) > self.limit:
            self.clear()
            self.update(self.always)
        self.update(new)
        return True


class FastPath:
    """Decoders built once per collector (the batch limit is a setting)."""

    def __init__(self, max_events_per_batch: int) -> None:
        batch = msgspec.defstruct(
            "FastBatch",
            [("events", Annotated[list[FastEvent], Meta(max_length=max_events_per_batch)])],
            forbid_unknown_fields=True,
            gc=False,
        )
        self._batch = msgspec.json.Decoder(batch)
        self._single = msgspec.json.Decoder(FastEvent)
        self._names = _Valid(is_event_name)
        self._hashes = _Valid(is_user_hash, always=("",))

    def decode(self, data: bytes, single: bool) -> list[FastEvent] | None:
        """The request's events when the body is plainly well formed, else None."""
        try:
            if single:
                return [self._single.decode(data)]
            return self._batch.decode(data).events
        except msgspec.DecodeError:  # ValidationError is a DecodeError
            return None

    def judge(
        self, events: list[FastEvent], app: AppContext, recent: RecentEvents, now: float | None = None
    ) -> Verdicts | None:
        """Verdicts when every event is accepted (what validation.judge would answer), else None."""
        if not events:
            return None  # an empty batch is rare: let the reference path answer it
        now = time.time() if now is None else now
        names, orgs, ids, hashes, sessions, paths, environments, plans, times = zip(*map(_COLUMNS, events), strict=True)
        if not self._names.all_valid(names):
            return None
        if not self._hashes.all_valid(hashes):
            return None
        joined = "\n".join(ids)
        if _ALL_UUIDS(joined) is None:
            return None
        lowered = joined.lower()
        if lowered != joined:
            ids = lowered.split("\n")
        stored = set(ids)
        current, previous = recent.sets(app.app_id)
        if len(stored) != len(ids) or not current.isdisjoint(stored) or not previous.isdisjoint(stored):
            return None  # a duplicate: the per-event path says which
        used = set(environments)
        if app.environments and not used <= app.environments | {None}:
            return None
        if None in used:
            environments = ["" if e is None else e for e in environments]
        if None in times:
            sources = ["server" if t is None else "client" for t in times]
            times = [now if t is None else t for t in times]
        else:
            sources = repeat("client")
        if max(times) > now + app.future_seconds or min(times) < now - app.backfill_seconds:
            return None  # rejected as future, or quarantined
        verdicts = Verdicts(accepted=len(ids), stored_ids=stored)
        # Column order of saas_tracker/raw_events.py EVENT_COLUMNS; orjson writes tuples as arrays.
        verdicts.event_rows = list(
            zip(
                repeat(app.company_id),
                repeat(app.app_id),
                ids,
                names,
                times,
                sources,
                repeat(now),
                orgs,
                hashes,
                sessions,
                paths,
                environments,
                plans,
                repeat(app.retention_days),
            )
        )
        return verdicts
