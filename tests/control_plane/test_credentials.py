"""Ingest credentials: rotation with an expiring old secret, revocation, the collector's cached lookup."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import pytest

from saas_tracker.control import applications, companies, credentials, store
from saas_tracker.control.credentials import CredentialCache
from saas_tracker.control.errors import Conflict, NotFound, ValidationError
from tests.control_plane.conftest import ACTOR


def test_lookup_gives_the_collector_what_it_needs(app):
    found = credentials.lookup_credentials(app.application.app_id)
    assert found is not None and found.is_active
    assert (found.company_id, found.environments, found.plan) == (
        app.application.company_id,
        ("production", "staging"),
        "growth",
    )
    assert (found.retention_days, found.backfill_window_days) == (365, 35)
    assert found.keys() == [app.credentials.secret.encode("utf-8")]
    assert app.credentials.secret not in repr(found)


def test_unknown_or_malformed_app_id_has_no_credentials(control):
    assert credentials.lookup_credentials(uuid.uuid4()) is None
    assert credentials.lookup_credentials("not-a-uuid") is None


def test_rotation_keeps_old_secret_valid_until_expiry_then_refuses_it(app):
    app_id = app.application.app_id
    old = app.credentials.secret.encode()
    new = credentials.rotate_secret(app_id, old_valid_for=timedelta(hours=24), actor=ACTOR)
    assert new.secret != app.credentials.secret
    now = store.utcnow()
    assert abs((new.previous_expires_at - now) - timedelta(hours=24)) < timedelta(minutes=1)

    found = credentials.fetch_credentials(app_id)
    assert set(found.keys(now)) == {old, new.secret.encode()}
    # Past the expiry only the new secret is accepted: the expired old one is refused.
    later = now + timedelta(hours=24, seconds=1)
    assert found.keys(later) == [new.secret.encode()]
    states = {s.secret_id: s.state for s in credentials.list_secrets(app_id)}
    assert states == {app.credentials.secret_id: "active", new.secret_id: "active"}


def test_old_secret_really_expires(app):
    app_id = app.application.app_id
    new = credentials.rotate_secret(app_id, old_valid_for=timedelta(seconds=1), actor=ACTOR)
    time.sleep(1.2)
    assert credentials.fetch_credentials(app_id).keys() == [new.secret.encode()]
    states = {s.secret_id: s.state for s in credentials.list_secrets(app_id)}
    assert states == {app.credentials.secret_id: "expired", new.secret_id: "active"}


def test_rotating_again_while_an_old_secret_drains_is_refused(app):
    app_id = app.application.app_id
    credentials.rotate_secret(app_id, actor=ACTOR)
    with pytest.raises(Conflict, match=f"already has 2 valid secrets .*{app.credentials.secret_id} expires at"):
        credentials.rotate_secret(app_id, actor=ACTOR)
    # Expiring the old ones now is allowed and leaves exactly the newest valid.
    newest = credentials.rotate_secret(app_id, old_valid_for=timedelta(0), actor=ACTOR)
    assert credentials.fetch_credentials(app_id).keys() == [newest.secret.encode()]


def test_rotation_validity_bounds(app):
    with pytest.raises(ValidationError, match="old_valid_for: must be between 0 and 30 days"):
        credentials.rotate_secret(app.application.app_id, old_valid_for=timedelta(days=31), actor=ACTOR)
    with pytest.raises(ValidationError, match="old_valid_for"):
        credentials.rotate_secret(app.application.app_id, old_valid_for=timedelta(seconds=-1), actor=ACTOR)


def test_revocation_is_immediate(app):
    app_id = app.application.app_id
    assert credentials.lookup_credentials(app_id).keys()  # now cached
    revoked = credentials.revoke_secret(app_id, app.credentials.secret_id, actor=ACTOR)
    assert [s.state for s in revoked] == ["revoked"]
    assert credentials.lookup_credentials(app_id).keys() == []
    with pytest.raises(NotFound, match="secret_id: application .* has no secret 'sec_nope'"):
        credentials.revoke_secret(app_id, "sec_nope", actor=ACTOR)
    # A revoked app can be brought back by rotating: the new secret is the only one.
    fresh = credentials.rotate_secret(app_id, actor=ACTOR)
    assert credentials.lookup_credentials(app_id).keys() == [fresh.secret.encode()]


def test_revoke_all(app):
    app_id = app.application.app_id
    credentials.rotate_secret(app_id, actor=ACTOR)
    assert len(credentials.revoke_secret(app_id, actor=ACTOR)) == 2
    assert credentials.fetch_credentials(app_id).keys() == []


def test_changes_made_elsewhere_reach_a_cache_within_its_ttl(app):
    """Another process's cache is not invalidated; it must catch up within its TTL (10 s in production)."""
    app_id = app.application.app_id
    cache = CredentialCache(ttl=0.5)
    assert cache.get(app_id).keys() == [app.credentials.secret.encode()]
    credentials.revoke_secret(app_id, actor=ACTOR)  # invalidates only the default cache
    assert cache.get(app_id).keys() == [app.credentials.secret.encode()]  # still cached
    time.sleep(0.6)
    assert cache.get(app_id).keys() == []


def test_new_application_becomes_known_to_a_cache_within_the_unknown_ttl(company):
    cache = CredentialCache(ttl=10, unknown_ttl=0.3)
    missing = uuid.uuid4()
    assert cache.get(missing) is None
    created = applications.create_application(company.company_id, "New", actor=ACTOR)
    time.sleep(0.35)
    assert cache.get(created.application.app_id).keys() == [created.credentials.secret.encode()]


def test_archived_application_or_company_is_inactive(make_company):
    first = make_company()
    created = applications.create_application(first.company_id, "Web", actor=ACTOR)
    applications.archive_application(created.application.app_id, actor=ACTOR)
    found = credentials.lookup_credentials(created.application.app_id)
    assert not found.is_active and found.keys() == []

    second = make_company()
    other = applications.create_application(second.company_id, "Web", actor=ACTOR)
    companies.archive_company(second.company_id, actor=ACTOR)
    found = credentials.lookup_credentials(other.application.app_id)
    assert found.company_status == "archived" and found.keys() == []


def test_async_lookup(app):
    found = asyncio.run(credentials.alookup_credentials(app.application.app_id))
    assert found.keys() == [app.credentials.secret.encode()]
