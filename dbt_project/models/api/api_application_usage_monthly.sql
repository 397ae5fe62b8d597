{#- Billing exports' per-application records: events and distinct identified users per
    company, application and calendar month, so an export reads a few rows instead of
    the month's events. Partitioned by month; a run rebuilds every calendar month its
    day range touches, whole (like fct_plan_usage_monthly). -#}
{{ config(
    materialized='incremental',
    engine='MergeTree()',
    partition_by='toYYYYMM(usage_month)',
    order_by=['company_id', 'usage_month', 'app_id'],
) }}

select
    company_id,
    toStartOfMonth(event_date) as usage_month,
    app_id,
    count() as event_count,
    uniqExactIf(user_hash, user_hash != '') as users
from {{ ref('stg_tracker__events') }}
where event_date between toStartOfMonth({{ tracker_range_start() }}) and toLastDayOfMonth({{ tracker_range_end() }})
group by company_id, usage_month, app_id
