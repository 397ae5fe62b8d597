"""fct_sessions: one row per session, partitioned by the day it started."""

from data_tests.suite import MartSuite, Reference
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "app_id", "customer_org_id", "session_id"]),
        *c.organization(gxe),
        gxe.ExpectColumnValuesToBeInSet(column="session_source", value_set=["client", "inferred"]),
        gxe.ExpectColumnValuesToMatchRegex(column="user_hash", regex=c.USER_HASH),
        # Non-negative durations, and no session longer than the session lookback allows
        # to be rebuilt whole (a week is far beyond any real one).
        c.between(gxe, "duration_seconds", 0, 7 * 86400),
        c.not_after(gxe, "session_started_at", "session_ended_at"),
        c.at_least(gxe, "event_count", 1),
        *c.refers_all(gxe, SUITE),
    ]


SUITE = MartSuite(
    model="fct_sessions",
    description="Sessions: unique per application and organization, non-negative durations, known applications.",
    expectations=expectations,
    partition_column="session_start_date",
    references=(
        Reference("application", ("company_id", "app_id"), ("tracker_control", "current_applications")),
        Reference(
            "organization_day",
            ("company_id", "customer_org_id", "session_start_date"),
            ("marts", "fct_organization_activity_daily"),
            ("company_id", "customer_org_id", "activity_date"),
        ),
    ),
)
