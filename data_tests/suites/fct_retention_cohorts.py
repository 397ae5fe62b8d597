"""fct_retention_cohorts: one row per cohort and period after it."""

from data_tests.suite import MartSuite
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "cohort_type", "cohort_start", "period_number"]),
        gxe.ExpectColumnValuesToBeInSet(column="cohort_type", value_set=["organization", "user"]),
        c.at_least(gxe, "period_number", 0),
        c.at_least(gxe, "cohort_size", 1),
        c.not_after(gxe, "retained_count", "cohort_size"),
        c.between(gxe, "retention_rate", 0, 1),
        c.not_after(gxe, "cohort_start", "period_start"),
    ]


SUITE = MartSuite(
    model="fct_retention_cohorts",
    description="Retention cohorts: retained <= cohort size, rates within 0..1.",
    expectations=expectations,
)
