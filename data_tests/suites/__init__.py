"""One suite per mart. Add a mart's suite here to have Dagster run it as an asset check."""

from data_tests.suite import MartSuite
from data_tests.suites import (
    dim_organizations,
    fct_active_users_daily,
    fct_billable_usage_monthly,
    fct_feature_adoption,
    fct_feature_adoption_by_plan,
    fct_organization_activity_daily,
    fct_organization_health_daily,
    fct_plan_usage_monthly,
    fct_retention_cohorts,
    fct_sessions,
)

SUITES: dict[str, MartSuite] = {
    module.SUITE.model: module.SUITE
    for module in (
        dim_organizations,
        fct_sessions,
        fct_organization_activity_daily,
        fct_active_users_daily,
        fct_retention_cohorts,
        fct_feature_adoption,
        fct_feature_adoption_by_plan,
        fct_organization_health_daily,
        fct_plan_usage_monthly,
        fct_billable_usage_monthly,
    )
}
