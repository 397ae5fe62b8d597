{#- A table sorted for the endpoint's read (one company, one slice, a date range), not a
    view of the day-partitioned mart, whose every daily part would be opened. Rebuilt
    whole each run (about one row per organization and day). -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'dimension', 'metric_date', 'app_id', 'customer_org_id'],
    settings={'index_granularity': 1024},
) }}

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
