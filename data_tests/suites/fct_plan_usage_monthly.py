"""fct_plan_usage_monthly: one row per company and month with events."""

from data_tests.suite import MartSuite, Reference
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "usage_month"]),
        c.at_least(gxe, "event_count", 1),
        c.at_least(gxe, "application_count", 1),
        c.at_least(gxe, "organization_count", 1),
        c.not_after(gxe, "overage_events", "event_count"),
        c.at_least(gxe, "overage_cost_amount", 0),
        c.at_least(gxe, "events_limit_used_pct", 0),
        *c.refers_all(gxe, SUITE),
    ]


SUITE = MartSuite(
    model="fct_plan_usage_monthly",
    description="Plan usage: one row per company and month, non-negative overage, plans that exist.",
    expectations=expectations,
    partition_column="usage_month",
    grain="month",
    derived=("toFloat64(overage_cost) AS overage_cost_amount",),
    references=(
        Reference("plan", ("plan_key",), ("tracker_control", "current_plans"), only_when="has_subscription"),
        Reference(
            "suggested_plan",
            ("suggested_plan_key",),
            ("tracker_control", "current_plans"),
            ("plan_key",),
            only_when="suggested_plan_key != ''",
        ),
    ),
    blocking=True,
)
