{{ config(
    engine='MergeTree()',
    partition_by='health_date',
    order_by=['company_id', 'customer_org_id', 'health_date'],
) }}

-- The raw measurements behind each health component, per organization and day; the
-- grading lives in fct_organization_health_daily.
{% set window_days = var('tracker__health_window_days') -%}
{%- set user_base_days = var('tracker__health_user_base_days') -%}
{%- set inactive_days = var('tracker__health_inactive_days') -%}
{#- A run rebuilds the days after its range that its events feed (never past the as-of
    date): see health_horizon_days(). -#}
{%- set horizon = health_horizon_days() -%}
{#- The session lookback days too: their session counts change with the range's events. -#}
{%- set first_day = tracker_range_start(var('tracker__session_lookback_days')) -%}
{%- set last_day = tracker_history_end(horizon) -%}

with organization_days as (
    select company_id, customer_org_id, activity_date, event_count, session_count
    from {{ ref('fct_organization_activity_daily') }}
    where activity_date between {{ tracker_range_start(var('tracker__session_lookback_days') + horizon - 1) }} and {{ last_day }}
),

-- Each active day counts towards the windows of the `horizon` days that follow it (only
-- the days being rebuilt are produced).
activity_windows as (
    select
        company_id,
        customer_org_id,
        activity_date + days_after as health_date,
        max(activity_date) as last_active_date,
        sumIf(event_count, days_after < {{ window_days }}) as events_window,
        sumIf(event_count, days_after >= {{ window_days }} and days_after < {{ 2 * window_days }}) as events_prior_window,
        sumIf(session_count, days_after < {{ window_days }}) as sessions_window
    from organization_days
    array join {{ days_fed_by('activity_date', first_day, last_day, horizon) }} as days_after
    group by company_id, customer_org_id, health_date
    having dateDiff('day', last_active_date, health_date) <= {{ inactive_days }}
),

-- Distinct users per organization over the windows (see macros/trailing_activity.sql).
user_windows as (
    select
        company_id,
        customer_org_id,
        day_and_age.1 as health_date,
        countIf(day_and_age.2 < {{ window_days }}) as users_window,
        count() as users_base
    from (
        select company_id, customer_org_id, user_hash, arraySort(groupUniqArray(activity_date)) as active_days
        from {{ ref('int_user_activity_daily') }}
        where activity_date between {{ tracker_range_start(var('tracker__session_lookback_days') + user_base_days - 1) }} and {{ last_day }}
        group by company_id, customer_org_id, user_hash
    )
    array join {{ trailing_activity_days('active_days', first_day, last_day, user_base_days) }} as day_and_age
    group by company_id, customer_org_id, health_date
),

-- Distinct features used per organization in the window.
feature_windows as (
    select
        company_id,
        customer_org_id,
        day_and_age.1 as health_date,
        count() as features_used_window
    from (
        select company_id, customer_org_id, feature_key, arraySort(groupUniqArray(event_date)) as active_days
        from {{ ref('int_events_matched_to_features') }}
        where event_date between {{ tracker_range_start(var('tracker__session_lookback_days') + window_days - 1) }} and {{ last_day }}
        group by company_id, customer_org_id, feature_key
    )
    array join {{ trailing_activity_days('active_days', first_day, last_day, window_days) }} as day_and_age
    group by company_id, customer_org_id, health_date
),

-- (valid_from, retired_on) of every definition, per company: a feature counts as defined
-- on the days it is in force.
company_features as (
    select company_id, groupArray((valid_from, retired_on)) as in_force
    from {{ ref('stg_tracker__feature_definitions') }}
    group by company_id
)

select
    activity_windows.company_id as company_id,
    activity_windows.customer_org_id as customer_org_id,
    activity_windows.health_date as health_date,
    activity_windows.events_window as events_window,
    activity_windows.events_prior_window as events_prior_window,
    activity_windows.sessions_window as sessions_window,
    user_windows.users_window as users_window,
    user_windows.users_base as users_base,
    feature_windows.features_used_window as features_used_window,
    toUInt32(arrayCount(
        f -> f.1 <= activity_windows.health_date and activity_windows.health_date < f.2,
        company_features.in_force
    )) as features_defined,
    activity_windows.last_active_date as last_active_date,
    toUInt32(dateDiff('day', activity_windows.last_active_date, activity_windows.health_date)) as days_since_last_event
from activity_windows
left join user_windows
    on activity_windows.company_id = user_windows.company_id
    and activity_windows.customer_org_id = user_windows.customer_org_id
    and activity_windows.health_date = user_windows.health_date
left join feature_windows
    on activity_windows.company_id = feature_windows.company_id
    and activity_windows.customer_org_id = feature_windows.customer_org_id
    and activity_windows.health_date = feature_windows.health_date
left join company_features
    on activity_windows.company_id = company_features.company_id
