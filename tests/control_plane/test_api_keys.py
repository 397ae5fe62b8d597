"""Metrics API keys: shown once, hash-only, scoped, revocable, briefly cached."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest

from saas_tracker.control import api_keys, companies, store
from saas_tracker.control.errors import AuthenticationError, NotFound, PermissionDenied, ValidationError
from tests.control_plane.conftest import ACTOR


@pytest.fixture(autouse=True)
def short_cache():
    api_keys.set_cache_ttl(0.3)
    yield
    api_keys.set_cache_ttl(api_keys.CACHE_TTL_SECONDS)


def test_create_and_verify(company):
    created = api_keys.create_api_key(
        company.company_id, ["metrics:read", "exports:read"], name="dashboards", actor=ACTOR
    )
    assert created.key.startswith(created.info.key_id + "_") and created.key not in repr(created)
    principal = api_keys.verify_api_key(created.key, scope="metrics:read")
    assert (principal.company_id, principal.key_id, principal.scopes) == (
        company.company_id,
        created.info.key_id,
        frozenset({"metrics:read", "exports:read"}),
    )
    with pytest.raises(PermissionDenied, match=f"scope: API key {created.info.key_id} lacks the 'admin' scope"):
        api_keys.verify_api_key(created.key, scope="admin")


def test_only_the_hash_is_stored_and_listing_shows_the_prefix(company):
    created = api_keys.create_api_key(company.company_id, ["admin"], actor=ACTOR)
    rows = store.select(
        "SELECT * FROM tracker_control.api_keys FINAL WHERE company_id = {c:UUID}", {"c": company.company_id}
    )
    assert len(rows) == 1
    assert rows[0]["key_hash"] == hashlib.sha256(created.key.encode()).hexdigest()
    assert created.key not in repr(rows)
    listed = api_keys.list_api_keys(company.company_id)
    assert [k.key_id for k in listed] == [created.info.key_id]
    assert "key" not in listed[0].model_dump() and created.key not in listed[0].model_dump_json()


@pytest.mark.parametrize(
    ("scopes", "message"),
    [([], "scopes: at least one scope is required"), (["metrics:write"], "scopes: unknown scope 'metrics:write'")],
)
def test_bad_scopes_are_refused(company, scopes, message):
    with pytest.raises(ValidationError, match=message):
        api_keys.create_api_key(company.company_id, scopes, actor=ACTOR)


def test_revoked_key_is_refused_within_the_cache_ttl(company):
    created = api_keys.create_api_key(company.company_id, ["metrics:read"], actor=ACTOR)
    api_keys.verify_api_key(created.key)  # cached now
    revoked = api_keys.revoke_api_key(company.company_id, created.info.key_id, actor=ACTOR)
    assert revoked.state == "revoked"
    with pytest.raises(AuthenticationError, match=f"api key: revoked key {created.info.key_id}"):
        api_keys.verify_api_key(created.key)
    assert api_keys.revoke_api_key(company.company_id, created.info.key_id, actor=ACTOR).state == "revoked"


def test_revocation_by_another_process_lands_within_the_ttl(company):
    created = api_keys.create_api_key(company.company_id, ["metrics:read"], actor=ACTOR)
    api_keys.verify_api_key(created.key)
    # What another process does: a new row version, without touching this process's cache.
    row = store.select(
        "SELECT * FROM tracker_control.api_keys FINAL WHERE key_id = {k:String}", {"k": created.info.key_id}
    )[0]
    store.insert("api_keys", [row | {"revoked_at": store.utcnow(), "version": store.next_version()}])
    api_keys.verify_api_key(created.key)  # still cached
    time.sleep(0.35)
    with pytest.raises(AuthenticationError, match="revoked key"):
        api_keys.verify_api_key(created.key)


def test_expired_key_is_refused(company):
    created = api_keys.create_api_key(
        company.company_id, ["metrics:read"], expires_in=timedelta(seconds=1), actor=ACTOR
    )
    api_keys.verify_api_key(created.key)
    time.sleep(1.1)
    with pytest.raises(AuthenticationError, match=f"api key: expired key {created.info.key_id}"):
        api_keys.verify_api_key(created.key)
    with pytest.raises(ValidationError, match="expires_in: must be positive"):
        api_keys.create_api_key(company.company_id, ["metrics:read"], expires_in=timedelta(0), actor=ACTOR)


def test_unknown_malformed_and_tampered_keys(company):
    created = api_keys.create_api_key(company.company_id, ["metrics:read"], actor=ACTOR)
    tampered = created.key[:-1] + ("A" if created.key[-1] != "A" else "B")
    with pytest.raises(AuthenticationError, match=f"api key: unknown key {created.info.key_id}"):
        api_keys.verify_api_key(tampered)
    with pytest.raises(AuthenticationError, match="api key: malformed"):
        api_keys.verify_api_key("hello")
    with pytest.raises(AuthenticationError, match="api key: unknown key stk_000000000000"):
        api_keys.verify_api_key("stk_000000000000_" + "a" * 43)
    with pytest.raises(NotFound, match="key_id: no API key 'stk_nope'"):
        api_keys.revoke_api_key(company.company_id, "stk_nope", actor=ACTOR)


def test_keys_of_an_archived_company_stop_working(make_company):
    company = make_company()
    created = api_keys.create_api_key(company.company_id, ["metrics:read"], actor=ACTOR)
    api_keys.verify_api_key(created.key)
    companies.archive_company(company.company_id, actor=ACTOR)
    with pytest.raises(AuthenticationError, match="company of key .* is archived"):
        api_keys.verify_api_key(created.key)


def test_revoking_through_another_company_is_not_found(company, make_company):
    created = api_keys.create_api_key(company.company_id, ["metrics:read"], actor=ACTOR)
    other = make_company()
    with pytest.raises(NotFound):
        api_keys.revoke_api_key(other.company_id, created.info.key_id, actor=ACTOR)
    api_keys.verify_api_key(created.key)
