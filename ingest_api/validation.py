"""A verdict for every event of a request.

Each event is accepted (a row for tracker_raw.events), a duplicate (already
stored recently, or repeated within the request), quarantined (older than the
application's backfill window: a row for tracker_raw.events_quarantine) or
rejected with a reason that names the field and the rule (rules.py). Keys
outside the whitelist are ignored and counted.

This is the reference: fastpath.py answers a plainly valid request in one
pass and hands everything else here, and its answers are tested against
this function's. This loop costs about 1.2 us per event
(best case, this machine), against 0.4 us for parsing the JSON. The common case
is a few type checks inline; the precise message of a rejection is worked out
only when an event fails. Two shortcuts keep one implementation of each rule:
all event ids of a batch are checked by one regex pass (0.15 us an id instead
of 0.35), and event names and user hashes that passed their regex are cached
(they repeat). The stored ``ts`` is always a float, as the fast path stores it.
"""

from __future__ import annotations

import re
import time

from ingest_api.dedup import RecentEvents
from ingest_api.event_ids import derive_event_id
from ingest_api.rules import (
    MAX_ENVIRONMENT,
    MAX_IGNORED_NAMES,
    MAX_ORG_ID,
    MAX_PATH,
    MAX_PLAN,
    MAX_SESSION_ID,
    QUARANTINE_REASON,
    RULES,
    UUID,
    WHITELIST,
    AppContext,
    Verdicts,
    is_event_name,
    is_user_hash,
    is_uuid,
)


class _KnownGood(set):
    """Values that passed a regular expression, so a repeat costs a set lookup, not a match.

    Event names and user hashes repeat a lot (a batch is often one user's session);
    a lookup is ~40 ns against ~350 ns for the match. Bounded: cleared when full.
    """

    def __init__(self, check, limit: int = 100_000):
        super().__init__()
        self.check = check
        self.limit = limit

    def __call__(self, value: str) -> bool:
        if value in self:
            return True
        if not self.check(value):
            return False
        if len(self) >= self.limit:
            self.clear()
        self.add(value)
        return True


_good_event_name = _KnownGood(is_event_name)
_good_user_hash = _KnownGood(is_user_hash)


_all_uuids = re.compile(f"(?:{UUID}\n)*").fullmatch


def _every_event_has_a_valid_id(events: list) -> bool:
    """One regex pass over all event ids joined: ~0.15 us per id against ~0.35 us one by one.

    The length check makes it exact: n ids joined with n newlines are 37 * n long
    only if no id hides a newline, so every piece is one whole id.
    """
    try:
        joined = "\n".join([event["event_id"] for event in events]) + "\n"
    except (TypeError, KeyError):  # not all objects, an id missing or not a string
        return False
    return len(joined) == 37 * len(events) and _all_uuids(joined) is not None


def _string_rule(name: str, value: object) -> str:
    return f"{name}.type" if type(value) is not str else f"{name}.length"


def judge(events: list, app: AppContext, recent: RecentEvents, now: float | None = None) -> Verdicts:
    """Apply every rule to every event; ``recent`` knows the ids persisted lately."""
    now = time.time() if now is None else now
    verdicts = Verdicts()
    rows = verdicts.event_rows
    stored_ids = verdicts.stored_ids
    seen_here: set[str] = set()
    recent_now, recent_before = recent.sets(app.app_id)
    app_id, company_id, retention = app.app_id, app.company_id, app.retention_days
    environments = app.environments
    oldest = now - app.backfill_seconds
    latest = now + app.future_seconds
    whitelist_covers = WHITELIST.issuperset
    good_names = good_name = _good_event_name
    good_hashes = good_hash = _good_user_hash
    ids_valid = _every_event_has_a_valid_id(events)

    for index, ev in enumerate(events):
        if type(ev) is not dict:
            _reject(verdicts, index, ev, "event.not_object", app)
            continue
        get = ev.get
        name = get("event")
        if type(name) is not str or (name not in good_names and not good_name(name)):
            rule = "event.required" if name is None else "event.type" if type(name) is not str else "event.format"
            _reject(verdicts, index, ev, rule, app)
            continue
        org = get("customer_org_id")
        if type(org) is not str or not 0 < len(org) <= MAX_ORG_ID:
            rule = (
                "customer_org_id.required"
                if org is None
                else "customer_org_id.type"
                if type(org) is not str
                else "customer_org_id.empty"
                if not org
                else "customer_org_id.length"
            )
            _reject(verdicts, index, ev, rule, app)
            continue
        user_hash = get("user_hash")
        if user_hash is None:
            user_hash = ""
        elif type(user_hash) is not str or (user_hash not in good_hashes and not good_hash(user_hash)):
            _reject(verdicts, index, ev, "user_hash.format", app)
            continue
        session = get("session_id")
        if session is None:
            session = ""
        elif type(session) is not str or len(session) > MAX_SESSION_ID:
            _reject(verdicts, index, ev, _string_rule("session_id", session), app)
            continue
        path = get("path")
        if path is None:
            path = ""
        elif type(path) is not str or len(path) > MAX_PATH:
            _reject(verdicts, index, ev, _string_rule("path", path), app)
            continue
        environment = get("environment")
        if environment is None:
            environment = ""
        elif type(environment) is not str or len(environment) > MAX_ENVIRONMENT:
            _reject(verdicts, index, ev, _string_rule("environment", environment), app)
            continue
        elif environments and environment not in environments:
            _reject(verdicts, index, ev, "environment.not_allowed", app)
            continue
        plan = get("plan")
        if plan is None:
            plan = ""
        elif type(plan) is not str or len(plan) > MAX_PLAN:
            _reject(verdicts, index, ev, _string_rule("plan", plan), app)
            continue
        ts = get("ts_epoch")
        if ts is None:
            ts, source = now, "server"
        else:
            kind = type(ts)
            # x - x == 0 is False only for inf and NaN; ints are always finite.
            if not (kind is float and ts - ts == 0.0) and kind is not int:
                _reject(verdicts, index, ev, "ts_epoch.type", app)
                continue
            if ts > latest:
                _reject(verdicts, index, ev, "ts_epoch.future", app)
                continue
            if ts < 0:
                _reject(verdicts, index, ev, "ts_epoch.negative", app)
                continue
            # Stored as a float whatever was sent (the same instant for ClickHouse), so the
            # rows are byte for byte those of the fast path, which decodes numbers as floats.
            ts, source = float(ts), "client"
        event_id = get("event_id")
        if event_id is None:
            event_id = derive_event_id(ev)
        elif type(event_id) is str and (ids_valid or is_uuid(event_id)):
            event_id = event_id.lower()
        else:
            _reject(verdicts, index, ev, "event_id.format", app)
            continue
        if not whitelist_covers(ev):
            _count_ignored(verdicts, ev)

        if event_id in seen_here or event_id in recent_now or event_id in recent_before:
            verdicts.duplicates += 1
            continue
        seen_here.add(event_id)
        stored_ids.append(event_id)
        row = [
            company_id,
            app_id,
            event_id,
            name,
            ts,
            source,
            now,
            org,
            user_hash,
            session,
            path,
            environment,
            plan,
            retention,
        ]
        if ts < oldest:
            row += [QUARANTINE_REASON, now, "quarantined", time.time_ns()]
            verdicts.quarantine_rows.append(row)
            verdicts.quarantined += 1
        else:
            rows.append(row)
            verdicts.accepted += 1
    return verdicts


def _count_ignored(verdicts: Verdicts, ev: dict) -> None:
    for key in ev.keys() - WHITELIST:
        verdicts.ignored_total += 1
        if key in verdicts.ignored_keys or len(verdicts.ignored_keys) < MAX_IGNORED_NAMES:
            verdicts.ignored_keys[str(key)[:64]] += 1


def _reject(verdicts: Verdicts, index: int, ev: object, rule: str, app: AppContext) -> None:
    reason = RULES[rule]
    if rule == "ts_epoch.future":
        reason = reason.format(future=int(app.future_seconds))
    elif rule == "environment.not_allowed":
        reason += ": " + ", ".join(sorted(app.environments))
    verdicts.rejected.append({"index": index, "event_id": _event_id_of(ev), "reason": reason})
    verdicts.reason_codes[rule] += 1


def _event_id_of(ev: object) -> str | None:
    """The id to name a rejected event by: its own, else the one it would be derived as."""
    if type(ev) is not dict:
        return None
    given = ev.get("event_id")
    if given is not None:
        return given[:64] if type(given) is str else None
    try:
        return derive_event_id(ev)
    except TypeError:  # unserialisable content cannot occur from JSON, but never fail a verdict
        return None
