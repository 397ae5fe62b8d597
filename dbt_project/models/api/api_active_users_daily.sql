-- GET /v1/active-users: DAU/WAU/MAU per company, application or organization.
select
    company_id,
    dimension,
    app_id,
    customer_org_id,
    metric_date,
    dau,
    wau,
    mau,
    dau_mau_ratio
from {{ ref('fct_active_users_daily') }}
