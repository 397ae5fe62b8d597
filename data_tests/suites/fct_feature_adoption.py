"""fct_feature_adoption: one row per organization and feature, as of the as-of date."""

from data_tests.suite import MartSuite, Reference
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "customer_org_id", "feature_key"]),
        *c.organization(gxe),
        c.not_after(gxe, "first_used_at", "last_used_at"),
        c.not_after(gxe, "events_in_window", "event_count"),
        c.not_after(gxe, "users_in_window", "users"),
        c.not_after(gxe, "active_days_in_window", "active_days"),
        *c.refers_all(gxe, SUITE),
    ]


SUITE = MartSuite(
    model="fct_feature_adoption",
    description="Feature adoption per organization: window counts within totals, known organizations and features.",
    expectations=expectations,
    references=(
        Reference("organization", ("company_id", "customer_org_id"), ("marts", "dim_organizations")),
        Reference("feature", ("company_id", "feature_key"), ("tracker_control", "current_feature_definitions")),
    ),
)
