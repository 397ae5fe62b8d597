"""`saas-tracker admin ...` and `saas-tracker features ...` through click's test runner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from saas_tracker.cli import main
from saas_tracker.control import credentials


@pytest.fixture
def run(control):
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), env={"TRACKER_ACTOR": "test:cli"})
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def one_json(result) -> dict:
    """--json prints exactly one JSON object and nothing else."""
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    value = json.loads(lines[0])
    assert isinstance(value, dict)
    return value


def test_company_app_key_flow_with_json(run):
    company = one_json(
        run("admin", "company", "create", "Acme", "--plan", "starter", "--owner", "ceo@acme.io", "--json")
    )
    assert (company["name"], company["plan"], company["owner"], company["status"]) == (
        "Acme",
        "starter",
        "ceo@acme.io",
        "active",
    )
    cid = company["company_id"]
    backdated = one_json(
        run("admin", "company", "create", "Moved", "--plan", "growth", "--subscribed-since", "2026-01-15", "--json")
    )
    assert backdated["subscribed_since"] == "2026-01-15T00:00:00+00:00"
    future = ("--subscribed-since", "2999-01-01")
    refused = run("admin", "company", "create", "Later", "--plan", "growth", *future, ok=False)
    assert refused.exit_code != 0 and "subscribed_since: must not be in the future" in refused.output

    app = one_json(
        run("admin", "app", "create", "--company", cid, "Web", "--env", "production", "--env", "staging", "--json")
    )
    assert app["environments"] == ["production", "staging"] and app["secret"].startswith("sts_")
    assert credentials.fetch_credentials(app["app_id"]).keys() == [app["secret"].encode()]

    rotated = one_json(run("admin", "app", "rotate-secret", app["app_id"], "--old-expires-in", "1h", "--json"))
    assert rotated["secret"] != app["secret"] and rotated["previous_expires_at"]
    assert set(credentials.fetch_credentials(app["app_id"]).keys()) == {
        app["secret"].encode(),
        rotated["secret"].encode(),
    }

    key = one_json(
        run("admin", "key", "create", "--company", cid, "--scope", "metrics:read", "--scope", "admin", "--json")
    )
    assert key["scopes"] == ["admin", "metrics:read"] and key["key"].startswith(key["key_id"])

    listed = one_json(run("admin", "key", "list", "--company", cid, "--json"))
    assert [k["key_id"] for k in listed["keys"]] == [key["key_id"]]
    revoked = one_json(run("admin", "key", "revoke", "--company", cid, key["key_id"], "--json"))
    assert revoked["state"] == "revoked"

    shown = one_json(run("admin", "company", "show", cid, "--json"))
    assert shown["subscription"]["plan_key"] == "starter"
    assert [m["email"] for m in shown["members"]] == ["ceo@acme.io"]

    entries = one_json(run("admin", "audit", "--company", cid, "--json"))["entries"]
    assert {e["actor"] for e in entries} == {"test:cli"}


def test_human_output_shows_secret_once_with_a_warning(run):
    cid = one_json(run("admin", "company", "create", "Human", "--plan", "growth", "--json"))["company_id"]
    result = run("admin", "app", "create", "--company", cid, "Web")
    assert "secret:    sts_" in result.stdout and "shown only now" in result.stdout
    listing = run("admin", "app", "list", "--company", cid)
    assert "Web" in listing.stdout and "sts_" not in listing.stdout


def test_refusals_name_the_problem(run):
    bad_plan = run("admin", "company", "create", "X", "--plan", "gold", ok=False)
    assert bad_plan.exit_code == 1
    assert "Error: plan: 'gold' is an unknown plan; plans are trial, starter, growth, enterprise" in bad_plan.stderr

    as_json = run("admin", "company", "create", "X", "--plan", "gold", "--json", ok=False)
    assert as_json.exit_code == 1
    assert one_json(as_json)["error"] == {
        "code": "validation_error",
        "field": "plan",
        "message": "plan: 'gold' is an unknown plan; plans are trial, starter, growth, enterprise",
    }

    cid = one_json(run("admin", "company", "create", "Capped", "--plan", "trial", "--json"))["company_id"]
    run("admin", "app", "create", "--company", cid, "One")
    capped = run("admin", "app", "create", "--company", cid, "Two", "--json", ok=False)
    assert one_json(capped)["error"]["code"] == "limit_exceeded"
    assert "application cap exceeded" in one_json(capped)["error"]["message"]

    bad_scope = run("admin", "key", "create", "--company", cid, "--scope", "root", ok=False)
    assert "scopes: unknown scope 'root'" in bad_scope.stderr
    bad_company = run("admin", "app", "list", "--company", "nope", ok=False)
    assert "company_id: 'nope' is not a UUID" in bad_company.stderr
    bad_duration = run(
        "admin", "app", "rotate-secret", "00000000-0000-0000-0000-000000000000", "--old-expires-in", "soon", ok=False
    )
    assert bad_duration.exit_code == 2 and "not a duration" in bad_duration.output


def test_members_and_subscription_commands(run):
    cid = one_json(run("admin", "company", "create", "Team", "--plan", "starter", "--owner", "o@t.io", "--json"))[
        "company_id"
    ]
    one_json(run("admin", "member", "add", "--company", cid, "v@t.io", "--role", "viewer", "--json"))
    assert (
        one_json(run("admin", "member", "set-role", "--company", cid, "v@t.io", "admin", "--json"))["role"] == "admin"
    )
    last_owner = run("admin", "member", "remove", "--company", cid, "o@t.io", ok=False)
    assert "o@t.io is the last owner" in last_owner.stderr
    memberships = one_json(run("admin", "member", "list", "--email", "v@t.io", "--json"))["members"]
    assert cid in {m["company_id"] for m in memberships}

    override = one_json(
        run(
            "admin",
            "subscription",
            "override",
            "--company",
            cid,
            "--max-apps",
            "unlimited",
            "--price",
            "19.99",
            "--flag",
            "sso=on",
            "--json",
        )
    )
    assert (override["max_applications"], override["list_price"], "sso" in override["feature_flags"]) == (
        None,
        "19.99",
        True,
    )
    changed = one_json(run("admin", "subscription", "change-plan", "--company", cid, "growth", "--json"))
    assert (changed["plan_key"], changed["overrides"]) == ("growth", {})
    periods = one_json(run("admin", "subscription", "show", "--company", cid, "--history", "--json"))["periods"]
    assert [p["plan_key"] for p in periods] == ["starter", "starter", "growth"]
    plans = one_json(run("admin", "plan", "list", "--json"))["plans"]
    assert [p["plan_key"] for p in plans][:4] == ["trial", "starter", "growth", "enterprise"]
    synced = one_json(run("admin", "plan", "sync", "--json"))
    assert synced["created"] == [] and synced["updated"] == []


def test_features_apply_twice_changes_nothing(run, tmp_path):
    cid = one_json(run("admin", "company", "create", "Feat", "--plan", "growth", "--json"))["company_id"]
    path = tmp_path / "features.yml"
    path.write_text("features:\n  - key: search\n    events: [searched]\n  - key: export\n    path_prefix: /export\n")

    first = one_json(run("features", "apply", str(path), "--company", cid, "--json"))
    assert first["created"] == ["export", "search"]
    second = one_json(run("features", "apply", str(path), "--company", cid, "--json"))
    assert (second["created"], second["updated"], second["retired"]) == ([], [], [])

    path.write_text("features:\n  - key: search\n    events: [searched]\n")
    human = run("features", "apply", str(path), "--company", cid, "--dry-run")
    assert "would be retired: export" in human.stdout
    assert one_json(run("features", "apply", str(path), "--company", cid, "--json"))["retired"] == ["export"]
    listed = one_json(run("features", "list", "--company", cid, "--json"))["features"]
    assert {(f["feature_key"], f["status"]) for f in listed} == {("search", "active"), ("export", "retired")}

    path.write_text("features:\n  - key: broken\n")
    broken = run("features", "apply", str(path), "--company", cid, ok=False)
    assert "features[0].events: malformed feature rule 'broken'" in broken.stderr
    assert one_json(run("features", "retire", "--company", cid, "search", "--json"))["status"] == "retired"
