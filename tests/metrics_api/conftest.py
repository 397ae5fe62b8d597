"""The metrics API over data built by the real dbt models, once per test session.

Three companies (real control-plane rows, each with API keys of every scope) send six
weeks of events; the dbt project builds them into ``<schema>_api`` and the app reads
that database (TRACKER_METRICS_API_DATABASE).
"""

from __future__ import annotations

import os
import random
import string
import uuid

import pytest
from fastapi.testclient import TestClient

from tests.metrics_api import dataset

ACTOR = "test:metrics-api"


class World:
    def __init__(self, tenants: list[dataset.Tenant], schema: str):
        self.tenants = tenants
        self.schema = schema

    @property
    def api_database(self) -> str:
        return f"{self.schema}_api"

    def others(self, tenant: dataset.Tenant) -> list[dataset.Tenant]:
        return [t for t in self.tenants if t is not tenant]


def _make_tenant(tag: str, plan: str) -> dataset.Tenant:
    from saas_tracker.control import api_keys, companies, features

    company = companies.create_company(f"Company {tag}", plan, actor=ACTOR)
    tenant = dataset.Tenant(
        tag=tag,
        company_id=company.company_id,
        app_ids=[str(uuid.uuid4()) for _ in range(2)],
        org_ids=[f"{tag}-org-{i}" for i in range(1, 5)],
    )
    for role, scopes in {
        "read": ["metrics:read"],
        "exports": ["exports:read"],
        "all": ["metrics:read", "exports:read", "admin"],
    }.items():
        tenant.keys[role] = api_keys.create_api_key(company.company_id, scopes, name=role, actor=ACTOR).key
    features.create_feature(company.company_id, {"key": "dashboards", "events": ["dashboard_viewed"]}, actor=ACTOR)
    features.create_feature(company.company_id, {"key": "exports", "path_prefix": f"/{tag}/exports"}, actor=ACTOR)
    return tenant


@pytest.fixture(scope="session")
def world(warehouse, tmp_path_factory):
    from saas_tracker.clickhouse import get_client
    from saas_tracker.control import plans
    from saas_tracker.dbt import DbtSettings, run_dbt
    from saas_tracker.migrate import migrate

    client = get_client()
    migrate(client)
    plans.sync_catalogue(actor=ACTOR)
    suffix = "".join(random.choices(string.ascii_lowercase, k=4))
    tenants = [
        _make_tenant(f"acme{suffix}", "growth"),
        _make_tenant(f"globex{suffix}", "starter"),
        _make_tenant(f"initech{suffix}", "growth"),
    ]
    for seed, tenant in enumerate(tenants):
        client.insert(
            "tracker_raw.events",
            # The third company also sends anonymous, sessionless events.
            dataset.events_for(tenant, seed, per_day=12 if seed else 30, anonymous_share=0.2 if seed == 2 else 0.0),
            column_names=dataset.RAW_COLUMNS,
        )
    schema = f"t_metrics_{uuid.uuid4().hex[:8]}"
    dbt = DbtSettings(schema_name=schema, target_path=tmp_path_factory.mktemp("dbt-target"))
    run_dbt("run", vars={"tracker__as_of_date": dataset.AS_OF.isoformat()}, dbt=dbt)
    previous = os.environ.get("TRACKER_METRICS_API_DATABASE")
    os.environ["TRACKER_METRICS_API_DATABASE"] = f"{schema}_api"
    try:
        yield World(tenants, schema)
    finally:
        if previous is None:
            os.environ.pop("TRACKER_METRICS_API_DATABASE", None)
        else:
            os.environ["TRACKER_METRICS_API_DATABASE"] = previous
        for layer in ("staging", "intermediate", "marts", "api"):
            client.command("DROP DATABASE IF EXISTS {db:Identifier}", parameters={"db": f"{schema}_{layer}"})
        client.command(
            "ALTER TABLE tracker_raw.events DELETE WHERE company_id IN {companies:Array(UUID)}",
            parameters={"companies": [t.company_id for t in tenants]},
            settings={"mutations_sync": 2},
        )


@pytest.fixture(scope="session")
def app(world):
    from metrics_api.app import create_app
    from metrics_api.settings import metrics_settings

    metrics_settings.cache_clear()
    return create_app()


@pytest.fixture(scope="session")
def api(app):
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def acme(world):
    return world.tenants[0]


@pytest.fixture(scope="session")
def globex(world):
    return world.tenants[1]


def auth(tenant: dataset.Tenant, role: str = "read") -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.keys[role]}"}
