"""fct_billable_usage_monthly: one row per organization, month and meter: what is invoiced."""

from data_tests.suite import MartSuite, Reference
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "customer_org_id", "period_start", "meter_key"]),
        # An invoice line needs an organization to bill.
        *c.organization(gxe),
        gxe.ExpectColumnValuesToMatchRegex(column="meter_key", regex=r"^[a-z][a-z0-9_]*$"),
        gxe.ExpectColumnValuesToBeInSet(column="meter_aggregation", value_set=["count", "unique_users", "active_days"]),
        c.at_least(gxe, "quantity", 0),
        c.not_after(gxe, "period_start", "period_end"),
        *c.refers_all(gxe, SUITE),
    ]


SUITE = MartSuite(
    model="fct_billable_usage_monthly",
    description="Billable usage: unique lines, an organization on every line, non-negative quantities.",
    expectations=expectations,
    partition_column="period_start",
    grain="month",
    references=(
        Reference("organization", ("company_id", "customer_org_id"), ("marts", "fct_organization_activity_daily")),
    ),
    blocking=True,
)
