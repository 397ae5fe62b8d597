"""fct_feature_adoption_by_plan: adoption rate per feature and organization plan."""

from data_tests.suite import MartSuite, Reference
from data_tests.suites import _common as c


def expectations(gxe, run):
    return [
        *c.key(gxe, ["company_id", "feature_key", "org_plan"]),
        c.not_after(gxe, "adopting_organizations", "active_organizations"),
        c.between(gxe, "adoption_rate", 0, 1),
        *c.refers_all(gxe, SUITE),
    ]


SUITE = MartSuite(
    model="fct_feature_adoption_by_plan",
    description="Adoption by plan: adopting <= active organizations, adoption rate within 0..1.",
    expectations=expectations,
    references=(
        Reference("feature", ("company_id", "feature_key"), ("tracker_control", "current_feature_definitions")),
    ),
)
