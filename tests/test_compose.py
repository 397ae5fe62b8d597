"""docker-compose.yml: the structure an operator relies on, and every service's command
exists in this project (a renamed CLI option breaks compose, not just the docs).

No Docker engine is assumed: the file is checked as data, commands against the real CLI.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml

from saas_tracker.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
BUILT = {name for name, service in SERVICES.items() if "build" in service}
BIN = Path(sys.executable).parent


def test_the_whole_system_is_there():
    assert set(SERVICES) == {
        "clickhouse",
        "migrate",
        "collector",
        "metrics-api",
        "dagster-postgres",
        "dagster-webserver",
        "dagster-daemon",
    }
    assert BUILT == {"migrate", "collector", "metrics-api", "dagster-webserver", "dagster-daemon"}


def test_third_party_images_are_pinned():
    for name, service in SERVICES.items():
        if name in BUILT:
            continue
        image = service["image"]
        tag = image.rpartition(":")[2]
        assert ":" in image and tag != "latest" and re.search(r"\d", tag), f"{name}: pin {image}"
    assert SERVICES["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")


def test_long_running_services_have_healthchecks_and_wait_for_healthy_dependencies():
    for name, service in SERVICES.items():
        if name != "migrate":
            assert service.get("healthcheck", {}).get("test"), f"{name}: no healthcheck"
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            expected = "service_completed_successfully" if dependency == "migrate" else "service_healthy"
            assert rule["condition"] == expected, f"{name} -> {dependency}"
    assert SERVICES["migrate"]["restart"] == "no"
    for name in BUILT - {"migrate"}:
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_secrets_have_no_defaults():
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("TRACKER_SECRET_KEY", "TRACKER_CLICKHOUSE_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"):
        uses = re.findall(r"\$\{" + secret + r"(:?[?-]?)", text)
        assert uses and all(use == ":?" for use in uses), f"{secret} must be ${{{secret}:?...}} everywhere"
    for service in SERVICES.values():
        env = service.get("environment", {})
        for key, value in env.items():
            if "PASSWORD" in key or "SECRET" in key:
                assert str(value).startswith("${") and ":?" in str(value), key


def test_named_volumes_are_declared_and_state_is_persistent():
    declared = set(COMPOSE["volumes"])
    used = {
        volume.split(":")[0]
        for service in SERVICES.values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used == declared
    mounts = {name: [v.split(":")[1] for v in s.get("volumes", [])] for name, s in SERVICES.items()}
    assert "/var/lib/clickhouse" in mounts["clickhouse"]
    assert "/var/lib/postgresql/data" in mounts["dagster-postgres"]
    assert "/data/spool" in mounts["collector"]


def _saas_tracker_command(args: list[str]) -> None:
    """Resolve ``args`` through the click CLI and parse its options (never runs it)."""
    assert args[0] in COMMANDS, f"saas-tracker has no command {args[0]!r}"
    command: click.Command = main
    ctx = click.Context(main, info_name="saas-tracker")
    rest = list(args)
    while isinstance(command, click.Group):
        name = rest.pop(0)
        command = command.get_command(ctx, name)
        assert command is not None, f"no command {name!r} in saas-tracker {' '.join(args)}"
    # Raises click.UsageError/NoSuchOption on an option the command does not have.
    command.make_context(" ".join(args), rest, resilient_parsing=False)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_every_command_exists_in_the_project(name):
    command = SERVICES[name]["command"]
    executable, args = command[0], command[1:]
    if executable == "saas-tracker":
        _saas_tracker_command(args)
        return
    # Third-party entry points (Dagster): the script is installed and accepts the options.
    script = shutil.which(executable, path=str(BIN))
    assert script, f"{executable} is not installed in {BIN}"
    if "--module-name" in args:
        module = args[args.index("--module-name") + 1]
        assert importlib.util.find_spec(module) is not None, f"{module} is not importable"
    help_text = subprocess.run(
        [script, *args[:1], "--help"] if executable == "dagster-daemon" else [script, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    for option in (a for a in args if a.startswith("--")):
        assert option in help_text, f"{executable} has no option {option}"


def test_image_builds_from_the_lock_and_ships_the_dagster_instance():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    assert "requirements.lock" in dockerfile
    # The lock installs local paths (-e sdk/python): each must be copied before the lock is installed.
    lock = (ROOT / "requirements.lock").read_text()
    before_install = dockerfile[: dockerfile.index("-r requirements.lock")]
    for path in re.findall(r"^-e (\S+)", lock, re.M):
        assert f"COPY {path} {path}" in before_install, f"{path} is needed by the lock before it is installed"
    assert (ROOT / "docker" / "dagster.yaml").is_file() and "docker/dagster.yaml" in dockerfile
    instance = yaml.safe_load((ROOT / "docker" / "dagster.yaml").read_text())
    assert instance["telemetry"]["enabled"] is False
    assert instance["storage"]["postgres"]["postgres_db"]["hostname"] == "dagster-postgres"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".tracker", ".git", ".env"} <= set(ignored)
