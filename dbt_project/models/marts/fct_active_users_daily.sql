{{ config(
    engine='MergeTree()',
    partition_by='metric_date',
    order_by=['company_id', 'dimension', 'app_id', 'customer_org_id', 'metric_date'],
) }}

-- DAU / WAU / MAU: identified users with an event that day / in the 7 / 28 days ending
-- that day. An event feeds 28 days of MAU, so a run also rebuilds the 27 days after its
-- range (never past the as-of date).
{% set all_apps = "toUUID('00000000-0000-0000-0000-000000000000')" -%}
{%- set first_day = tracker_range_start() -%}
{%- set last_day = tracker_history_end(28) -%}

with user_days as (
    select company_id, app_id, customer_org_id, user_hash, activity_date
    from {{ ref('int_user_activity_daily') }}
    where activity_date between {{ tracker_range_start(27) }} and {{ last_day }}
),

-- Each user's active days per slice. Slices: the whole company, one application (every
-- organization), one organization (every application).
slice_users as (
    select
        company_id, 'company' as dimension, {{ all_apps }} as app_id, '' as customer_org_id, user_hash,
        arraySort(groupUniqArray(activity_date)) as active_days
    from user_days
    group by company_id, user_hash

    union all

    select
        company_id, 'application' as dimension, app_id, '' as customer_org_id, user_hash,
        arraySort(groupUniqArray(activity_date)) as active_days
    from user_days
    group by company_id, app_id, user_hash

    union all

    select
        company_id, 'organization' as dimension, {{ all_apps }} as app_id, customer_org_id, user_hash,
        arraySort(groupUniqArray(activity_date)) as active_days
    from user_days
    group by company_id, customer_org_id, user_hash
),

-- One row per slice, user and day the user counts for, with the days since their latest
-- activity (see macros/trailing_activity.sql).
user_metric_days as (
    select
        company_id, dimension, app_id, customer_org_id,
        day_and_age.1 as metric_date,
        day_and_age.2 as days_since_active
    from slice_users
    array join {{ trailing_activity_days('active_days', first_day, last_day, 28) }} as day_and_age
)

select
    company_id,
    dimension,
    app_id,
    customer_org_id,
    metric_date,
    countIf(days_since_active = 0) as dau,
    countIf(days_since_active < 7) as wau,
    count() as mau,
    round(dau / mau, 4) as dau_mau_ratio
from user_metric_days
group by company_id, dimension, app_id, customer_org_id, metric_date
