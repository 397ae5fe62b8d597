"""A seeded, reproducible B2B usage workload with an answer key.

``generate(seed, orgs, days, end)`` returns every event the demo sends and an
answer key: each organization's lifecycle (which ones are declining or
churned, the demo's ground truth for the health score) and exact expected
counts (unique stored events, duplicates, quarantined, rejected). The same
arguments always give the same events, ids included.

Lifecycles shape an organization's daily activity over the window:
steady, growing, new trial (first seen in the last weeks), declining (users
drop away after a start day), churned (silent after a churn day) and seasonal
(busy at month end). Organizations adopt features with different
probabilities (catalog.FEATURES); users have sessions of a few events.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from demo import catalog

LIFECYCLE_SHARES = {
    "steady": 0.34,
    "growing": 0.18,
    "new_trial": 0.10,
    "declining": 0.16,
    "churned": 0.10,
    "seasonal": 0.12,
}
# Events sent again with the same id (an SDK retry after a lost reply): counted once.
DUPLICATE_SHARE = 0.01
# Events held back and sent after everything else, for days already sent.
LATE_SHARE = 0.02
# The digits of an event id that decide each (see _share): disjoint, so the choices are independent.
LATE_DIGITS, DUPLICATE_DIGITS = slice(0, 8), slice(-8, None)
# Bump when a change to this file changes the events a seed produces: a loaded
# workload of another version is replaced, not kept (demo/pipeline.py).
GENERATOR_VERSION = 5
INVALID_EVENTS = 200
QUARANTINED_EVENTS = 50
# Older than the demo apps' backfill window, so the collector quarantines them.
QUARANTINE_AGE_DAYS = catalog.BACKFILL_WINDOW_DAYS + 20


@dataclass
class Workload:
    start: date
    end: date
    # app key -> events in sending order (dicts of Tracker.track keyword arguments)
    events: dict[str, list[dict]]
    late: dict[str, list[dict]]
    answer_key: dict = field(default_factory=dict)


def _activity(lifecycle: str, day: int, days: int, params: dict) -> float:
    """Relative activity of an organization on ``day`` (0 = first day of the window)."""
    if day < params.get("first_day", 0):
        return 0.0
    if lifecycle == "growing":
        return 0.35 + 1.3 * day / days
    if lifecycle == "declining":
        start = params["decline_day"]
        return 1.0 if day < start else max(0.06, 0.92 ** (day - start))
    if lifecycle == "churned":
        return 1.0 if day < params["churn_day"] else 0.0
    if lifecycle == "seasonal":
        dom = (params["start"] + timedelta(days=day)).day
        return 1.6 if dom >= 24 or dom <= 3 else 0.45
    return 1.0


def _event_id(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _share(event_id: str, digits: slice) -> float:
    """A number in [0, 1) fixed by the event: whether an event arrives late or twice must not
    depend on its position in the stream, which today's events shift. Event ids are random
    (version 4 from the organization's stream), so 8 of their hex digits are a uniform draw."""
    return int(event_id[digits], 16) / 16**8


def first_day(days: int, end: date | None = None) -> date:
    """The first day of a workload of ``days`` days ending on ``end`` (default today, UTC)."""
    return (end or datetime.now(UTC).date()) - timedelta(days=days - 1)


def generate(
    seed: int = 42,
    orgs: int = 300,
    days: int = 60,
    end: date | None = None,
    volume: float = 1.0,
    now: float | None = None,
) -> Workload:
    """The workload ending on ``end`` (default today, UTC); ``volume`` scales events per session
    (1.0: ~13 events per session, ~1M events for 300 organizations over 60 days).

    ``now`` (default: the clock) anchors what must be relative to the collector's clock:
    no event after it, invalid events in its future, quarantined ones far before it.
    """
    now = time.time() if now is None else now
    end = end or datetime.fromtimestamp(now, UTC).date()
    start = first_day(days, end)
    rng = np.random.default_rng(seed)
    names = list(LIFECYCLE_SHARES)
    lifecycles = rng.choice(names, size=orgs, p=list(LIFECYCLE_SHARES.values()))
    events: dict[str, list[dict]] = {app: [] for app in catalog.APPS}
    organizations = []
    # Each organization draws from a stream of its own (independent of `rng`), so nothing
    # one organization draws, or drops below, shifts another's events.
    org_streams = np.random.SeedSequence(seed).spawn(orgs)
    for index in range(orgs):
        org_rng = np.random.default_rng(org_streams[index])
        org_id = f"org_{index + 1:04d}"
        lifecycle = str(lifecycles[index])
        params: dict = {"start": start}
        if lifecycle == "new_trial":
            params["first_day"] = int(org_rng.integers(days - 25, days - 5))
        if lifecycle == "declining":
            params["decline_day"] = int(org_rng.integers(10, 28))
        if lifecycle == "churned":
            params["churn_day"] = int(org_rng.integers(12, 38))
        plan = (
            "trial" if lifecycle == "new_trial" else str(org_rng.choice(catalog.ORG_PLANS, p=catalog.ORG_PLAN_SHARES))
        )
        users = max(2, int(org_rng.lognormal(2.0, 0.7)))
        # Each user's daily chance of being active; a declining org loses users one by one.
        engagement = org_rng.beta(2.5, 2.5, size=users) * 0.8 + 0.1
        adopted = [f for f in catalog.FEATURES if org_rng.random() < f.adoption]
        uses_mobile = org_rng.random() < 0.45
        org_events = 0
        for day in range(days):
            level = _activity(lifecycle, day, days, params)
            if level == 0.0:
                continue
            day_start = datetime.combine(start + timedelta(days=day), datetime.min.time(), UTC).timestamp()
            weekend = (start + timedelta(days=day)).weekday() >= 5
            p_active = np.clip(engagement * min(level, 1.0) * (0.35 if weekend else 1.0), 0, 1)
            if lifecycle == "declining" and day >= params["decline_day"]:
                # Fewer people, not just fewer clicks: breadth falls as well as volume.
                keep = max(1, int(round(users * level)))
                p_active[keep:] = 0.0
            active = np.nonzero(org_rng.random(users) < p_active)[0]
            for user in active:
                user_id = f"{org_id}-u{user + 1}"
                sessions = 1 + org_rng.poisson(0.4 * max(level, 0.5))
                for _ in range(sessions):
                    app = "mobile" if uses_mobile and org_rng.random() < 0.3 else "web"
                    t = day_start + org_rng.uniform(7, 20) * 3600
                    session_id = _event_id(org_rng) if app == "web" else None
                    n = 1 + org_rng.poisson(12 * volume * max(level, 0.6))
                    features = [f for f in adopted if f.app in (None, app)]
                    drawn = []
                    for k in range(n):
                        if k == 0:
                            name, path = ("session_started", "/") if app == "web" else ("app_opened", None)
                        elif features and org_rng.random() < 0.45:
                            f = features[int(org_rng.integers(len(features)))]
                            name, path = f.sample(org_rng)
                        else:
                            name, path = catalog.CORE_EVENTS[int(org_rng.integers(len(catalog.CORE_EVENTS)))]
                        drawn.append(
                            {
                                "event": name,
                                "customer_org_id": org_id,
                                "user_id": user_id,
                                "session_id": session_id,
                                "path": path,
                                "plan": plan,
                                "environment": "production",
                                "ts": round(t, 3),
                                "event_id": _event_id(org_rng),
                            }
                        )
                        t += org_rng.exponential(45)
                    # Events that have not happened yet (a minute before the clock) are dropped
                    # only now, after their draws, so the sessions after them get the same
                    # events at any time of day, and none is sent from the collector's future.
                    happened = [e for e in drawn if e["ts"] <= now - 60]
                    events[app].extend(happened)
                    org_events += len(happened)
        organizations.append(
            {
                "customer_org_id": org_id,
                "lifecycle": lifecycle,
                "plan": plan,
                "users": users,
                "features": [f.key for f in adopted],
                "uses_mobile": bool(uses_mobile),
                "events": org_events,
                **{k: v for k, v in params.items() if k != "start"},
            }
        )

    # Late: a random share of each app's events is held back and sent last.
    late: dict[str, list[dict]] = {}
    for app, items in events.items():
        held = [_share(e["event_id"], LATE_DIGITS) < LATE_SHARE for e in items]
        late[app] = [e for e, h in zip(items, held, strict=True) if h]
        events[app] = [e for e, h in zip(items, held, strict=True) if not h]
    unique = sum(len(v) for v in events.values()) + sum(len(v) for v in late.values())

    # Duplicates: the same event (same id) sent a second time, a little later in the stream.
    duplicates = 0
    for items in events.values():
        picks = [i for i, e in enumerate(items) if _share(e["event_id"], DUPLICATE_DIGITS) < DUPLICATE_SHARE]
        for offset, i in enumerate(sorted(picks, reverse=True)):
            items.insert(min(len(items), i + 50 + offset), dict(items[i]))
        duplicates += len(picks)

    # Invalid (rejected by the collector) and too old (quarantined, replayable).
    web = events["web"]
    invalid = []
    for i in range(INVALID_EVENTS):
        kind = i % 3
        base = {
            "event": "page_viewed",
            "customer_org_id": f"org_{i % orgs + 1:04d}",
            "user_id": "u",
            "environment": "production",
            "ts": now - 3600,
            "event_id": _event_id(rng),
        }
        if kind == 0:
            base["customer_org_id"] = ""  # required
        elif kind == 1:
            base["ts"] = now + 3 * 3600  # more than 5 minutes in the future
        else:
            base["environment"] = "staging"  # not one of the app's environments
        invalid.append(base)
    quarantined = [
        {
            "event": "page_viewed",
            "customer_org_id": f"org_{i % orgs + 1:04d}",
            "user_id": "u",
            "environment": "production",
            "ts": now - QUARANTINE_AGE_DAYS * 86400 - i,
            "event_id": _event_id(rng),
        }
        for i in range(QUARANTINED_EVENTS)
    ]
    step = max(1, len(web) // (len(invalid) + len(quarantined) + 1))
    for j, item in enumerate(invalid + quarantined):
        web.insert(min(len(web), (j + 1) * step + j), item)

    answer_key = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "orgs": orgs,
        "days": days,
        "volume": volume,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "expected": {
            "stored_events": unique,
            "duplicates_sent": duplicates,
            "rejected": INVALID_EVENTS,
            "quarantined": QUARANTINED_EVENTS,
            "late_events": sum(len(v) for v in late.values()),
        },
        "lifecycles": {name: int((lifecycles == name).sum()) for name in names},
        "declining_or_churned": sorted(
            o["customer_org_id"] for o in organizations if o["lifecycle"] in ("declining", "churned")
        ),
        "organizations": organizations,
    }
    return Workload(start=start, end=end, events=events, late=late, answer_key=answer_key)
