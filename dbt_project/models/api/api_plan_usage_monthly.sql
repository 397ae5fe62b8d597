{#- Tiny (companies x months) and read per request: a table, since reading through a view
    costs more than copying these rows each run. -#}
{{ config(materialized='table', engine='MergeTree()', order_by=['company_id', 'usage_month']) }}

-- GET /v1/usage: the company's usage against its plan, per calendar month.
select
    company_id,
    usage_month,
    usage_month_end,
    is_current_month,
    has_subscription,
    plan_key,
    subscription_status,
    currency,
    list_price,
    event_count,
    events_limit,
    events_limit_used_pct,
    overage_events,
    overage_units,
    overage_price_per_1000,
    overage_cost,
    is_over_events_limit,
    application_count,
    applications_limit,
    applications_over_limit,
    is_over_applications_limit,
    organization_count,
    suggested_plan_key,
    suggested_plan_list_price,
    is_plan_change_suggested
from {{ ref('fct_plan_usage_monthly') }}
