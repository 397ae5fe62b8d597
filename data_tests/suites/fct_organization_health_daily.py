"""fct_organization_health_daily: one health score per organization per day."""

from data_tests.suite import MartSuite, Reference
from data_tests.suites import _common as c

GRADES = ["healthy", "concerning", "poor", "not_applicable"]
COMPONENTS = ["activity_trend", "user_breadth", "feature_breadth", "recency", "engagement"]


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "customer_org_id", "health_date"]),
        *c.organization(gxe),
        gxe.ExpectColumnValuesToNotBeNull(column="health_score"),
        c.between(gxe, "health_score", 0, 100),
        gxe.ExpectColumnValuesToBeInSet(column="health_tier", value_set=["healthy", "neutral", "at_risk"]),
        gxe.ExpectColumnValuesToBeInSet(column="health_trend", value_set=["improving", "stable", "declining", "new"]),
        *(gxe.ExpectColumnValuesToBeInSet(column=f"{name}_grade", value_set=GRADES) for name in COMPONENTS),
        *(c.at_least(gxe, f"{name}_contribution", 0) for name in COMPONENTS),
        c.at_least(gxe, "days_since_last_event", 0),
        *c.refers_all(gxe, SUITE),
    ]


SUITE = MartSuite(
    model="fct_organization_health_daily",
    description="Health: scores within 0..100, known tiers, trends and grades, organizations that had activity.",
    expectations=expectations,
    partition_column="health_date",
    references=(
        Reference("organization", ("company_id", "customer_org_id"), ("marts", "fct_organization_activity_daily")),
    ),
)
