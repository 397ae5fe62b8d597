"""dim_organizations: one row per organization seen up to the as-of date."""

from data_tests.suite import MartSuite, Reference
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "customer_org_id"]),
        *c.organization(gxe),
        gxe.ExpectColumnValuesToNotBeNull(column="first_seen_at"),
        c.not_after(gxe, "first_seen_at", "last_seen_at"),
        c.at_least(gxe, "event_count", 1),
        c.at_least(gxe, "active_days", 1),
        c.at_least(gxe, "days_since_last_seen", 0),
        # Active users of 7 days are among those of 28 days, who are among all users.
        c.not_after(gxe, "active_users_7d", "active_users_28d"),
        c.not_after(gxe, "active_users_28d", "users"),
        *c.refers_all(gxe, SUITE),
    ]


SUITE = MartSuite(
    model="dim_organizations",
    description="Organizations: unique, non-empty ids, sane counts, each one seen in the daily activity.",
    expectations=expectations,
    references=(
        Reference(
            "organization_activity", ("company_id", "customer_org_id"), ("marts", "fct_organization_activity_daily")
        ),
    ),
)
