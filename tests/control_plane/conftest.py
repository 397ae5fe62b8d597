"""Fixtures for the control-plane tests: migrated warehouse, fresh companies.

Tests never truncate shared tables: each one creates its own companies (random
UUIDs), so they are independent of order and of each other. The plan catalogue
is global; the one test that edits it restores it.
"""

from __future__ import annotations

import uuid

import pytest

ACTOR = "test:control-plane"


@pytest.fixture(scope="session")
def control(warehouse):
    """The warehouse with every migration applied and the plan catalogue loaded."""
    from saas_tracker.control import plans
    from saas_tracker.migrate import migrate

    migrate()
    plans.sync_catalogue(actor=ACTOR)
    return warehouse


@pytest.fixture
def make_company(control):
    """Create a fresh company: make_company(plan="growth", owner=None) -> Company."""
    from saas_tracker.control import companies

    def make(plan: str = "growth", owner: str | None = None, name: str | None = None):
        return companies.create_company(name or f"Company {uuid.uuid4().hex[:8]}", plan, owner_email=owner, actor=ACTOR)

    return make


@pytest.fixture
def company(make_company):
    return make_company()


@pytest.fixture
def app(company):
    """An application of ``company`` with production and staging environments (CreatedApplication)."""
    from saas_tracker.control import applications

    return applications.create_application(
        company.company_id, "Web", environments=["production", "staging"], actor=ACTOR
    )
