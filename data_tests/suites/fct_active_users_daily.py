"""fct_active_users_daily: DAU/WAU/MAU per company, application or organization and day."""

from data_tests.suite import MartSuite
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "dimension", "app_id", "customer_org_id", "metric_date"]),
        gxe.ExpectColumnValuesToBeInSet(column="dimension", value_set=["company", "application", "organization"]),
        # Users of a day are among those of its week, who are among those of its 28 days.
        c.not_after(gxe, "dau", "wau"),
        c.not_after(gxe, "wau", "mau"),
        c.at_least(gxe, "mau", 1),
        c.between(gxe, "dau_mau_ratio", 0, 1),
    ]


SUITE = MartSuite(
    model="fct_active_users_daily",
    description="Active users: DAU <= WAU <= MAU, stickiness within 0..1.",
    expectations=expectations,
    partition_column="metric_date",
)
