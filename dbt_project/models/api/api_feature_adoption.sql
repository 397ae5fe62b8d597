{#- Organizations x features, read per organization: a table, not a view. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id', 'feature_key'],
    settings={'index_granularity': 1024},
) }}

-- GET /v1/features/adoption (per organization and feature).
select
    company_id,
    customer_org_id,
    feature_key,
    feature_name,
    feature_status,
    org_plan,
    first_used_at,
    last_used_at,
    event_count,
    users,
    active_days,
    events_in_window,
    users_in_window,
    active_days_in_window,
    is_organization_active,
    is_adopted,
    as_of_date
from {{ ref('fct_feature_adoption') }}
