"""Feature definitions: rules validated, create/update/retire, declarative apply from YAML."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

from saas_tracker.control import applications, features
from saas_tracker.control.errors import Conflict, NotFound, ValidationError
from tests.control_plane.conftest import ACTOR


def test_create_update_retire(company):
    cid = company.company_id
    created = features.create_feature(
        cid,
        {"key": "reports.export", "events": ["report_exported", "report_exported"], "path_prefix": "/reports/export"},
        actor=ACTOR,
    )
    assert (created.name, created.event_names, created.valid_from, created.status) == (
        "reports.export",
        ["report_exported"],
        date(1970, 1, 1),
        "active",
    )
    updated = features.update_feature(
        cid, {"key": "reports.export", "events": ["report_downloaded"], "valid_from": "2025-01-01"}, actor=ACTOR
    )
    assert (updated.event_names, updated.path_prefix, updated.valid_from) == (
        ["report_downloaded"],
        None,
        date(2025, 1, 1),
    )
    assert updated.created_at == created.created_at and updated.updated_at >= created.updated_at
    retired = features.retire_feature(cid, "reports.export", actor=ACTOR)
    assert retired.status == "retired" and retired.retired_at is not None
    assert features.retire_feature(cid, "reports.export", actor=ACTOR) == retired
    assert features.list_features(cid, include_retired=False) == []
    assert [f.feature_key for f in features.list_features(cid)] == ["reports.export"]
    with pytest.raises(Conflict, match="key: feature 'reports.export' is retired; reactivate it"):
        features.update_feature(cid, {"key": "reports.export", "events": ["x"]}, actor=ACTOR)
    again = features.update_feature(cid, {"key": "reports.export", "events": ["x"]}, actor=ACTOR, reactivate=True)
    assert again.status == "active" and again.retired_at is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"key": "search"}, "events: malformed feature rule 'search': give event names and/or a path prefix"),
        ({"key": "search", "events": []}, "malformed feature rule 'search'"),
        ({"key": "Search Feature", "events": ["s"]}, "key: 'Search Feature' is not a feature key"),
        ({"key": "search", "events": ["bad\nname"]}, "events: 'bad\\\\nname' is not an event name"),
        ({"key": "search", "path_prefix": "search"}, "path_prefix: 'search' must start with '/'"),
        (
            {"key": "search", "events": ["s"], "environments": ["PROD"]},
            "environments: 'PROD' is not an environment label",
        ),
        ({"key": "search", "events": ["s"], "valid_from": "yesterday"}, "valid_from: Input should be a valid date"),
        ({"key": "search", "events": ["s"], "colour": "red"}, "colour: Extra inputs are not permitted"),
        (
            {"key": "search", "events": ["s"], "valid_from": "3000-01-01"},
            "valid_from: must be between 1970-01-01 and 2100-01-01",
        ),
        (
            {"key": "search", "events": ["s"], "app_id": "00000000-0000-0000-0000-000000000001"},
            "app_id: no application",
        ),
    ],
)
def test_malformed_rules_are_refused_naming_the_field(company, spec, message):
    with pytest.raises(ValidationError, match=message):
        features.create_feature(company.company_id, spec, actor=ACTOR)
    assert features.list_features(company.company_id) == []


def test_duplicate_feature_key_is_refused(company):
    features.create_feature(company.company_id, {"key": "search", "events": ["searched"]}, actor=ACTOR)
    with pytest.raises(Conflict, match="key: duplicate feature key 'search'"):
        features.create_feature(company.company_id, {"key": "search", "path_prefix": "/search"}, actor=ACTOR)


def test_app_scoped_rule_checks_the_app_and_its_environments(app, make_company):
    cid, app_id = app.application.company_id, app.application.app_id
    scoped = features.create_feature(
        cid, {"key": "checkout", "events": ["paid"], "app_id": str(app_id), "environments": ["production"]}, actor=ACTOR
    )
    assert scoped.app_id == app_id
    with pytest.raises(ValidationError, match="environments: 'qa' is not an environment of application"):
        features.create_feature(
            cid, {"key": "cart", "events": ["c"], "app_id": str(app_id), "environments": ["qa"]}, actor=ACTOR
        )
    # Another company's application is as unknown as a missing one.
    other = make_company()
    with pytest.raises(ValidationError, match=f"app_id: no application {app_id} in company {other.company_id}"):
        features.create_feature(other.company_id, {"key": "cart", "events": ["c"], "app_id": str(app_id)}, actor=ACTOR)


def test_get_unknown_feature(company):
    with pytest.raises(NotFound, match="feature_key: no feature 'nope'"):
        features.get_feature(company.company_id, "nope")


FILE = """\
features:
  - key: reports.export
    name: Export a report
    events: [report_exported]
    path_prefix: /reports/export
  - key: search
    events: [searched]
    environments: [production]
    valid_from: 2025-03-01
"""


def test_apply_file_is_idempotent_and_retires_removed_entries(company, tmp_path):
    cid = company.company_id
    path = tmp_path / "features.yml"
    path.write_text(FILE)

    first = features.apply_file(path, cid, actor=ACTOR)
    assert (first.created, first.updated, first.retired) == (["reports.export", "search"], [], [])
    snapshot = features.list_features(cid)
    second = features.apply_file(path, cid, actor=ACTOR)
    assert not second.changed and second.unchanged == ["reports.export", "search"]
    assert features.list_features(cid) == snapshot  # not even updated_at moved

    path.write_text(FILE.split("  - key: search")[0].replace("report_exported]", "report_exported, report_shared]"))
    third = features.apply_file(path, cid, actor=ACTOR)
    assert (third.created, third.updated, third.retired) == ([], ["reports.export"], ["search"])
    by_key = {f.feature_key: f for f in features.list_features(cid)}
    assert by_key["search"].status == "retired"  # retired, not deleted
    assert by_key["reports.export"].event_names == ["report_exported", "report_shared"]

    path.write_text(FILE)
    fourth = features.apply_file(path, cid, actor=ACTOR)
    assert (fourth.updated, fourth.retired) == (["reports.export", "search"], [])
    assert {f.status for f in features.list_features(cid)} == {"active"}


def test_dry_run_changes_nothing(company, tmp_path):
    path = tmp_path / "features.yml"
    path.write_text(FILE)
    result = features.apply_file(path, company.company_id, actor=ACTOR, dry_run=True)
    assert result.created == ["reports.export", "search"] and result.dry_run
    assert features.list_features(company.company_id) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "features:\n  - key: a\n    events: [x]\n  - key: a\n    path_prefix: /a\n",
            r"features\[1\]\.key: duplicate feature key 'a' \(also features\[0\]\)",
        ),
        ("features:\n  - key: a\n", r"features\[0\]\.events: malformed feature rule 'a'"),
        ("features:\n  - key: a\n    event: [x]\n", r"features\[0\]\.event: Extra inputs are not permitted"),
        ("features:\n  - key: a\n    events: [x]\n    events: [y]\n", "line 4: duplicate key 'events'"),
        ("feature:\n  - key: a\n", "must be a mapping with a `features:` list"),
        ("features: {a: 1}\n", "features: must be a list"),
        ("features: [\n", "is not valid YAML"),
    ],
)
def test_malformed_files_are_refused_and_change_nothing(company, tmp_path, text, message):
    features.create_feature(company.company_id, {"key": "keep", "events": ["k"]}, actor=ACTOR)
    path = tmp_path / "features.yml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=message):
        features.apply_file(path, company.company_id, actor=ACTOR)
    assert [(f.feature_key, f.status) for f in features.list_features(company.company_id)] == [("keep", "active")]


def test_missing_file(company, tmp_path):
    with pytest.raises(ValidationError, match="file: .* does not exist"):
        features.apply_file(tmp_path / "nope.yml", company.company_id, actor=ACTOR)


def test_apply_with_app_scope(app, tmp_path):
    path = tmp_path / "features.yml"
    path.write_text(
        textwrap.dedent(f"""\
        features:
          - key: web.checkout
            app_id: {app.application.app_id}
            events: [paid]
    """)
    )
    assert features.apply_file(path, app.application.company_id, actor=ACTOR).created == ["web.checkout"]
    applications.archive_application(app.application.app_id, actor=ACTOR)
    # Archived applications still exist, so the definition keeps validating (history stays explainable).
    assert features.apply_file(path, app.application.company_id, actor=ACTOR).unchanged == ["web.checkout"]
