"""A small, deterministic multi-tenant event set for the metrics API tests.

Every id carries its company's tag (``acme-org-1``, ``/acme/...`` paths, ``acme_`` event
names), so a tenant-isolation test can look for another company's strings in any
response body. Companies and API keys are real control-plane rows; the events go into
``tracker_raw.events`` and through the real dbt models.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from saas_tracker.raw_events import EVENT_COLUMNS

FIRST_DAY = date(2025, 5, 1)
AS_OF = date(2025, 6, 12)
EVENT_NAMES = ("page_view", "login", "dashboard_viewed", "export_created", "search")
PATHS = ("/home", "/dashboards", "/exports/csv", "/search", "/settings")
RAW_COLUMNS = list(EVENT_COLUMNS)


@dataclass
class Tenant:
    tag: str
    company_id: uuid.UUID
    app_ids: list[str]
    org_ids: list[str]
    keys: dict[str, str] = field(default_factory=dict)  # role -> API key
    event_ids: list[str] = field(default_factory=list)
    event_count: int = 0

    def markers(self) -> list[str]:
        """Strings that only this tenant's data contains."""
        return [str(self.company_id), *self.app_ids, *self.org_ids, f"{self.tag}_"]


def events_for(tenant: Tenant, seed: int, per_day: int, anonymous_share: float = 0.0) -> list[list]:
    """Raw rows: ``per_day`` events a day from FIRST_DAY to AS_OF over the tenant's orgs and apps.

    ``anonymous_share`` of them come without a user hash and without a session id.
    """
    rng = random.Random(seed)
    rows = []
    day = FIRST_DAY
    while day <= AS_OF:
        for n in range(per_day):
            org = rng.choice(tenant.org_ids)
            user = hashlib.sha256(f"{tenant.tag}/{org}/u{rng.randrange(4)}".encode()).hexdigest()
            ts = datetime.combine(day, datetime.min.time()) + timedelta(minutes=rng.randrange(24 * 60))
            event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            name = rng.choice(EVENT_NAMES) if n % 3 else f"{tenant.tag}_custom"
            # Drawn only when asked for, so the other companies keep their exact event sets.
            anonymous = anonymous_share > 0 and rng.random() < anonymous_share
            rows.append(
                [
                    tenant.company_id,
                    uuid.UUID(rng.choice(tenant.app_ids)),
                    uuid.UUID(event_id),
                    name,
                    ts,
                    "client",
                    ts + timedelta(seconds=2),
                    org,
                    "" if anonymous else user,
                    "" if anonymous else f"{tenant.tag}-s{rng.randrange(50)}",
                    f"/{tenant.tag}{rng.choice(PATHS)}",
                    "production" if n % 5 else "staging",
                    "pro" if org.endswith(("1", "2")) else "free",
                    3650,
                ]
            )
            tenant.event_ids.append(event_id)
        day += timedelta(days=1)
    tenant.event_count = len(rows)
    return rows
