"""The one cached ``DbtProject`` and its manifest.

Dagster reads the dbt graph from ``manifest.json``. It is (re)built by ``dbt parse``
whenever it is missing or a file of the dbt project is newer than it: in development an
analyst's edit shows up on the next reload of the code location; a deployment builds it
once (``saas-tracker orchestrate`` does before starting Dagster) and never again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.defs.dbt.environment import dagster_target_path, dbt_environment, dbt_executable
from saas_tracker.dbt import DbtSettings

# What `dbt parse` reads: a change to any of these makes the manifest stale.
_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "seeds", "analyses")


def _newest_source(project_dir: Path) -> float:
    newest = 0.0
    for name in _SOURCES:
        path = project_dir / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for item in path.rglob("*"):
                if item.is_file():
                    newest = max(newest, item.stat().st_mtime)
    return newest


def manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    return not manifest.exists() or manifest.stat().st_mtime < _newest_source(project.project_dir)


def prepare_manifest(project: DbtProject) -> Path:
    """``dbt parse`` into a scratch directory, then move the artifacts into place.

    The rename is atomic, so processes that load the definitions at the same moment
    (webserver, daemon, run workers) never see half a manifest.
    """
    target = project.target_path
    target.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
    try:
        # With the environment the runs use: dbt keeps the partial-parse cache only while
        # the profile is unchanged, and runs start from this cache.
        with dbt_environment():
            invocation = DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
                ["parse", "--quiet"], target_path=scratch
            )
        invocation.wait()
        for name in ("partial_parse.msgpack", "manifest.json"):  # the manifest last: it is what readers look for
            if (scratch / name).exists():
                os.replace(scratch / name, target / name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return project.manifest_path


@lru_cache(maxsize=1)
def dbt_project() -> DbtProject:
    """The dbt project, with a manifest that is present and current."""
    settings = DbtSettings()
    project = DbtProject(
        project_dir=settings.project_dir,
        profiles_dir=settings.project_dir,
        target_path=dagster_target_path(settings),
    )
    if manifest_is_stale(project):
        prepare_manifest(project)
    return project


def project_config(project: DbtProject) -> dict:
    """dbt_project.yml as a dict."""
    import yaml

    return yaml.safe_load((project.project_dir / "dbt_project.yml").read_text())


def project_var(project: DbtProject, name: str) -> object:
    """A var's default from dbt_project.yml (what every run uses unless it overrides it)."""
    return (project_config(project).get("vars") or {})[name]
