"""Create (or find again) the demo company, its applications, feature
definitions and a read API key, through the control plane.

Running it twice is safe: the company is found by name, applications by name,
feature definitions are applied declaratively. Secrets and the API key are
shown once by the control plane, so they are kept in
``<TRACKER_DATA_DIR>/demo/credentials.json`` (mode 0600, local demo data
only); when that file is lost, the secret is rotated and a new key created.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from demo import catalog
from saas_tracker.control import api_keys, applications, companies, credentials, features

ACTOR = "demo"


@dataclass
class DemoTenant:
    company_id: str
    app_ids: dict[str, str]  # app key (web, mobile) -> app_id
    secrets: dict[str, str]  # app key -> ingest secret
    api_key: str


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _save(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=2)
    tmp.replace(path)


def ensure_tenant(state_path: Path, subscribed_since: date) -> DemoTenant:
    """The demo company (created on first use, subscribed since the workload's first day,
    so every month of its usage has a plan), its applications, secrets and API key."""
    saved = _load(state_path)
    company = next((c for c in companies.list_companies() if c.name == catalog.COMPANY_NAME), None)
    if company is None:
        company = companies.create_company(
            catalog.COMPANY_NAME,
            catalog.COMPANY_PLAN,
            actor=ACTOR,
            owner_email=catalog.OWNER_EMAIL,
            subscribed_since=subscribed_since,
        )
        saved = {}
    company_id = str(company.company_id)
    if saved.get("company_id") != company_id:
        saved = {"company_id": company_id, "secrets": {}}
    existing = {a.name: a for a in applications.list_applications(company_id)}
    app_ids, secrets = {}, dict(saved.get("secrets", {}))
    for key, name in catalog.APPS.items():
        app = existing.get(name)
        if app is None:
            created = applications.create_application(
                company_id,
                name,
                environments=catalog.ENVIRONMENTS,
                backfill_window_days=catalog.BACKFILL_WINDOW_DAYS,
                actor=ACTOR,
            )
            app_id, secrets[key] = str(created.application.app_id), created.credentials.secret
        else:
            app_id = str(app.app_id)
            if key not in secrets:
                secrets[key] = credentials.rotate_secret(app_id, company_id=company_id, actor=ACTOR).secret
        app_ids[key] = app_id
    features.apply_features(company_id, catalog.feature_specs(app_ids), actor=ACTOR)
    api_key = (
        saved.get("api_key")
        or api_keys.create_api_key(company_id, ["metrics:read", "exports:read"], name="demo", actor=ACTOR).key
    )
    _save(state_path, {"company_id": company_id, "secrets": secrets, "api_key": api_key, "loaded": saved.get("loaded")})
    return DemoTenant(company_id=company_id, app_ids=app_ids, secrets=secrets, api_key=api_key)


def loaded_signature(state_path: Path) -> dict | None:
    return _load(state_path).get("loaded")


def mark_loaded(state_path: Path, signature: dict) -> None:
    data = _load(state_path)
    data["loaded"] = signature
    _save(state_path, data)
