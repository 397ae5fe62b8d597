"""Applications: creation with its first secret, the plan's cap, environments, archive."""

from __future__ import annotations

import base64
import uuid

import pytest

from saas_tracker.control import applications, credentials, store, subscriptions
from saas_tracker.control.errors import Conflict, LimitExceeded, NotFound, ValidationError
from tests.control_plane.conftest import ACTOR


def test_create_application_returns_a_strong_secret_once(company):
    created = applications.create_application(company.company_id, "Web", environments=["production"], actor=ACTOR)

    app = created.application
    assert (app.company_id, app.name, app.environments, app.status) == (
        company.company_id,
        "Web",
        ["production"],
        "active",
    )
    secret = created.credentials.secret
    assert secret.startswith("sts_")
    assert len(base64.urlsafe_b64decode(secret[4:] + "=")) >= 32
    assert applications.get_application(app.app_id) == app
    assert [a.app_id for a in applications.list_applications(company.company_id)] == [app.app_id]
    # The repr (what a log line or traceback would show) hides the secret.
    assert secret not in repr(created)


def test_secret_is_encrypted_at_rest(app):
    rows = store.select(
        "SELECT secret_ciphertext FROM tracker_control.app_secrets FINAL WHERE app_id = {a:UUID}",
        {"a": app.application.app_id},
    )
    assert len(rows) == 1
    ciphertext = rows[0]["secret_ciphertext"]
    assert ciphertext.startswith("v1.") and app.credentials.secret not in ciphertext
    assert credentials.fetch_credentials(app.application.app_id).keys() == [app.credentials.secret.encode("utf-8")]


def test_application_cap_of_the_plan_is_enforced(make_company):
    trial = make_company(plan="trial")  # trial allows 1 application
    first = applications.create_application(trial.company_id, "One", actor=ACTOR)
    with pytest.raises(LimitExceeded, match=r"application cap exceeded: plan 'trial' allows 1 application\(s\)"):
        applications.create_application(trial.company_id, "Two", actor=ACTOR)
    # Archiving frees the slot.
    applications.archive_application(first.application.app_id, actor=ACTOR)
    applications.create_application(trial.company_id, "Two", actor=ACTOR)


def test_override_lifts_the_cap(make_company):
    trial = make_company(plan="trial")
    subscriptions.set_overrides(trial.company_id, {"max_applications": None}, actor=ACTOR)
    for name in ("One", "Two", "Three"):
        applications.create_application(trial.company_id, name, actor=ACTOR)
    assert len(applications.list_applications(trial.company_id)) == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": ""}, ValidationError, "name: must not be empty"),
        ({"environments": ["Prod"]}, ValidationError, "environments: 'Prod' is not an environment label"),
        ({"environments": ["a b"]}, ValidationError, "environments: 'a b' is not an environment label"),
        ({"backfill_window_days": 0}, ValidationError, "backfill_window_days: must be a whole number of days"),
    ],
)
def test_bad_application_input_is_refused(company, kwargs, error, message):
    args = {"name": "Web"} | kwargs
    with pytest.raises(error, match=message):
        applications.create_application(company.company_id, args.pop("name"), actor=ACTOR, **args)
    assert applications.list_applications(company.company_id) == []


def test_duplicate_active_name_is_refused(app):
    with pytest.raises(Conflict, match="name: company .* already has an application named 'Web'"):
        applications.create_application(app.application.company_id, "Web", actor=ACTOR)


def test_unknown_company_and_application(control):
    with pytest.raises(NotFound, match="company_id: no company"):
        applications.create_application(uuid.uuid4(), "Web", actor=ACTOR)
    with pytest.raises(NotFound, match="app_id: no application"):
        applications.get_application(uuid.uuid4())


def test_application_of_another_company_is_not_found(app, make_company):
    other = make_company()
    with pytest.raises(NotFound, match="app_id: no application"):
        applications.get_application(app.application.app_id, company_id=other.company_id)
    with pytest.raises(NotFound):
        applications.archive_application(app.application.app_id, company_id=other.company_id, actor=ACTOR)
    assert applications.get_application(app.application.app_id).status == "active"


def test_update_and_archive(app):
    app_id = app.application.app_id
    updated = applications.update_application(app_id, name="Web 2", environments=["prod"], actor=ACTOR)
    assert (updated.name, updated.environments) == ("Web 2", ["prod"])
    archived = applications.archive_application(app_id, actor=ACTOR)
    assert archived.status == "archived"
    assert applications.list_applications(app.application.company_id) == []
    assert [a.app_id for a in applications.list_applications(app.application.company_id, include_archived=True)] == [
        app_id
    ]
    with pytest.raises(Conflict, match="is archived"):
        applications.update_application(app_id, name="again", actor=ACTOR)
    with pytest.raises(Conflict, match="is archived; its secrets cannot be rotated"):
        credentials.rotate_secret(app_id, actor=ACTOR)


@pytest.fixture
def production_without_key(monkeypatch):
    from saas_tracker.settings import core_settings

    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    core_settings.cache_clear()
    yield
    monkeypatch.undo()
    core_settings.cache_clear()


def test_production_without_server_key_refuses_before_writing(company, production_without_key):
    from saas_tracker.control.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="TRACKER_SECRET_KEY is not set"):
        applications.create_application(company.company_id, "Web", actor=ACTOR)
    assert applications.list_applications(company.company_id) == []
