"""Small generated data for the orchestration tests: two companies, their applications,
feature definitions and a few hundred events over five recent days.

Events are inserted straight into tracker_raw.events (the collector has its own tests),
with a duplicate copy here and there, as retries leave them. Days are relative to today
so the schedules' "today and yesterday" and the health model's as-of date (today) apply;
every random choice comes from a seeded generator, so one session's data is reproducible.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from saas_tracker.clickhouse import get_client
from saas_tracker.control import applications, companies, features
from saas_tracker.raw_events import EVENT_COLUMNS

ACTOR = "test:orchestration"
RAW_COLUMNS = list(EVENT_COLUMNS)
EVENTS = ["page_view", "page_view", "page_view", "report_viewed", "export_created", "login"]
PATHS = ["/", "/reports", "/reports/q1", "/export/csv", "/settings"]


def user_hash(label: str) -> str:
    return hashlib.sha256(f"orchestration-tests/{label}".encode()).hexdigest()


@dataclass
class Tenant:
    company_id: uuid.UUID
    app_id: uuid.UUID
    organizations: list[str]
    users: dict[str, list[str]]  # organization -> user hashes


@dataclass
class World:
    days: list[date]
    tenants: list[Tenant]
    rows: list[list] = field(default_factory=list)

    @property
    def company_ids(self) -> list[str]:
        return [str(t.company_id) for t in self.tenants]

    def distinct_events(self, company_id: uuid.UUID | None = None) -> int:
        return len({(r[1], r[2]) for r in self.rows if company_id is None or r[0] == company_id})

    def copies_on(self, day: date) -> int:
        return sum(1 for r in self.rows if r[4].date() == day)


def _tenant(name: str, plan: str, organizations: list[str], users_per_org: int) -> Tenant:
    company = companies.create_company(f"{name} {uuid.uuid4().hex[:6]}", plan, actor=ACTOR)
    app = applications.create_application(company.company_id, "Web", environments=["production"], actor=ACTOR)
    features.create_feature(company.company_id, {"key": "reports", "events": ["report_viewed"]}, actor=ACTOR)
    features.create_feature(company.company_id, {"key": "exports", "path_prefix": "/export"}, actor=ACTOR)
    users = {
        org: [user_hash(f"{company.company_id}/{org}/u{i}") for i in range(users_per_org)] for org in organizations
    }
    return Tenant(company.company_id, app.application.app_id, organizations, users)


def _events(rng: random.Random, tenant: Tenant, days: list[date]) -> list[list]:
    rows = []
    for day in days:
        for org in tenant.organizations:
            for user in tenant.users[org]:
                if rng.random() < 0.3:
                    continue  # not every user every day
                moment = datetime.combine(day, time(9), UTC) + timedelta(minutes=rng.randrange(0, 600))
                client_session = f"s-{uuid.UUID(int=rng.getrandbits(128)).hex[:12]}" if rng.random() < 0.5 else ""
                for _ in range(rng.randrange(2, 6)):
                    moment += timedelta(minutes=rng.randrange(1, 20))
                    received = moment + timedelta(seconds=rng.randrange(1, 30))
                    anonymous = rng.random() < 0.1
                    row = [
                        tenant.company_id,
                        tenant.app_id,
                        uuid.UUID(int=rng.getrandbits(128)),
                        rng.choice(EVENTS),
                        moment,
                        "client",
                        received,
                        org,
                        "" if anonymous else user,
                        client_session,
                        rng.choice(PATHS),
                        "production",
                        rng.choice(["pro", "free"]),
                        365,
                    ]
                    rows.append(row)
                    if rng.random() < 0.05:  # a retried copy, received later
                        rows.append([*row[:6], received + timedelta(seconds=30), *row[7:]])
    return rows


def build_world(first_day: date, days: int = 5, seed: int = 7) -> World:
    rng = random.Random(seed)
    day_list = [first_day + timedelta(days=i) for i in range(days)]
    tenants = [
        _tenant("Acme", "starter", ["org-1", "org-2", "org-3"], 3),
        _tenant("Globex", "growth", ["org-x"], 2),
    ]
    world = World(day_list, tenants)
    for tenant in tenants:
        world.rows += _events(rng, tenant, day_list)
    insert_raw(world.rows)
    return world


def insert_raw(rows: list[list]) -> None:
    get_client().insert("tracker_raw.events", rows, column_names=RAW_COLUMNS)


def forget(world: World) -> None:
    """Remove the world's rows from the shared raw tables."""
    forget_companies(world.company_ids)


def forget_companies(company_ids: list) -> None:
    for table in ("tracker_raw.events", "tracker_raw.events_quarantine"):
        get_client().command(
            f"ALTER TABLE {table} DELETE WHERE company_id IN {{companies:Array(UUID)}}",
            parameters={"companies": [str(c) for c in company_ids]},
            settings={"mutations_sync": 2},
        )
