"""The retention job: each company's plan decides how long its events stay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

from saas_tracker.control import applications, companies
from tests.orchestration import support
from tests.orchestration import world as world_module


def _company(plan: str) -> tuple[uuid.UUID, uuid.UUID]:
    company = companies.create_company(f"{plan} {uuid.uuid4().hex[:6]}", plan, actor=world_module.ACTOR)
    app = applications.create_application(company.company_id, "Web", actor=world_module.ACTOR)
    return company.company_id, app.application.app_id


def test_retention_deletes_only_what_is_older_than_each_plan_allows(defs, orchestration_env):
    trial, starter = _company("trial"), _company("starter")  # 30 and 90 days
    today = datetime.now(UTC).date()

    def event(tenant: tuple[uuid.UUID, uuid.UUID], days_ago: int) -> list:
        moment = datetime.combine(today - timedelta(days=days_ago), time(12), UTC)
        return [*tenant, uuid.uuid4(), "login", moment, "client", moment, "org",
                world_module.user_hash("retention"), "", "/", "production", "", 365]  # fmt: skip

    world_module.insert_raw([event(trial, 45), event(trial, 31), event(trial, 29), event(trial, 2), event(starter, 45)])
    result = defs.resolve_job_def("retention_enforcement").execute_in_process(raise_on_error=False)
    assert result.success
    try:
        assert support.count("tracker_raw.events", "company_id = {c:UUID}", {"c": trial[0]}) == 2  # 29 and 2 days
        assert support.count("tracker_raw.events", "company_id = {c:UUID}", {"c": starter[0]}) == 1
    finally:
        world_module.forget_companies([trial[0], starter[0]])
