"""fct_organization_activity_daily: one row per organization per day with events."""

from data_tests.suite import MartSuite, Reference
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "customer_org_id", "activity_date"]),
        *c.organization(gxe),
        c.at_least(gxe, "event_count", 1),
        c.not_after(gxe, "anonymous_event_count", "event_count"),
        c.not_after(gxe, "feature_event_count", "event_count"),
        c.at_least(gxe, "session_seconds", 0),
        c.at_least(gxe, "application_count", 1),
        c.not_after(gxe, "first_event_at", "last_event_at"),
        # No day in the future (clock skew is refused at ingest, 5 minutes at most).
        c.at_least(gxe, "days_ago", 0),
        *c.refers_all(gxe, SUITE),
    ]


SUITE = MartSuite(
    model="fct_organization_activity_daily",
    description="Daily organization activity: one row per organization and day, no future days, known companies.",
    expectations=expectations,
    partition_column="activity_date",
    derived=("dateDiff('day', activity_date, toDate(now(), 'UTC')) AS days_ago",),
    references=(Reference("company", ("company_id",), ("tracker_control", "current_companies")),),
    blocking=False,
)
