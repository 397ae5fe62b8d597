"""What the demo company sells and tracks: its applications, its feature
definitions (as control-plane specs) and the events that exercise them.

The workload (workload.py) and the feature definitions are built from the same
list, so every feature an organization "adopts" is one the models can see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COMPANY_NAME = "Demo SaaS Inc."
COMPANY_PLAN = "growth"  # allows the two applications
OWNER_EMAIL = "owner@demo-saas.example"
# Covers the 60-day workload (the default window, 35 days, would quarantine its first weeks).
BACKFILL_WINDOW_DAYS = 90
APPS = {"web": "Demo Web App", "mobile": "Demo Mobile App"}
ENVIRONMENTS = ["production"]
# The customer organizations' own plans (the `plan` label on their events).
ORG_PLANS = ["starter", "growth", "enterprise"]
ORG_PLAN_SHARES = [0.5, 0.35, 0.15]

CORE_EVENTS = [
    ("page_viewed", "/home"),
    ("page_viewed", "/projects"),
    ("search_performed", "/search"),
    ("project_opened", "/projects/view"),
    ("comment_added", "/projects/view"),
]


@dataclass(frozen=True)
class Feature:
    key: str
    name: str
    adoption: float  # share of organizations that use it at all
    events: tuple[str, ...] = ()
    path_prefix: str | None = None
    app: str | None = None  # None: both applications

    def sample(self, rng: np.random.Generator) -> tuple[str, str | None]:
        """One event that counts as using this feature."""
        if self.events and (self.path_prefix is None or rng.random() < 0.5):
            return self.events[int(rng.integers(len(self.events)))], None
        return "page_viewed", f"{self.path_prefix}/{int(rng.integers(1, 9))}"

    def spec(self, app_ids: dict[str, str]) -> dict:
        spec: dict = {"key": self.key, "name": self.name, "environments": ENVIRONMENTS}
        if self.events:
            spec["events"] = list(self.events)
        if self.path_prefix:
            spec["path_prefix"] = self.path_prefix
        if self.app:
            spec["app_id"] = app_ids[self.app]
        return spec


FEATURES = [
    Feature("dashboards", "Dashboards", 0.92, events=("dashboard_viewed",), path_prefix="/dashboards"),
    Feature("reports", "Reports", 0.70, events=("report_created", "report_exported")),
    Feature("alerts", "Alerts", 0.45, events=("alert_created", "alert_acknowledged")),
    Feature("integrations", "Integrations", 0.30, path_prefix="/integrations"),
    Feature("api_access", "API access", 0.18, events=("api_token_created", "api_called")),
    Feature("mobile_sync", "Offline sync", 0.35, events=("offline_sync_completed",), app="mobile"),
    Feature("sso", "Single sign-on", 0.08, events=("sso_login",), app="web"),
]


def feature_specs(app_ids: dict[str, str]) -> list[dict]:
    return [f.spec(app_ids) for f in FEATURES]
