{#- Current state, rebuilt whole every run (definitions can change); organizations x
    features is small, so no partitions. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id', 'feature_key'],
) }}

{%- set as_of = tracker_as_of_date() -%}
{%- set window_days = var('tracker__adoption_window_days') -%}
{%- set window_start = as_of ~ ' - ' ~ (window_days - 1) -%}

with organizations as (
    select company_id, customer_org_id, org_plan, last_seen_at
    from {{ ref('dim_organizations') }}
),

features as (
    select company_id, feature_key, feature_name, feature_status, valid_from
    from {{ ref('stg_tracker__feature_definitions') }}
),

-- Uses already honour each definition's application, environments, valid_from and
-- retirement (int_events_matched_to_features).
usage as (
    select
        company_id,
        customer_org_id,
        feature_key,
        min(event_at) as used_first_at,
        max(event_at) as used_last_at,
        count() as use_count,
        uniqExactIf(user_hash, user_hash != '') as user_count,
        uniqExact(event_date) as day_count,
        countIf(event_date >= {{ window_start }}) as window_use_count,
        uniqExactIf(user_hash, user_hash != '' and event_date >= {{ window_start }}) as window_user_count,
        uniqExactIf(event_date, event_date >= {{ window_start }}) as window_day_count
    from {{ ref('int_events_matched_to_features') }}
    where event_date <= {{ as_of }}
    group by company_id, customer_org_id, feature_key
)

select
    organizations.company_id as company_id,
    organizations.customer_org_id as customer_org_id,
    features.feature_key as feature_key,
    features.feature_name as feature_name,
    features.feature_status as feature_status,
    organizations.org_plan as org_plan,
    if(usage.use_count = 0, null, usage.used_first_at) as first_used_at,
    if(usage.use_count = 0, null, usage.used_last_at) as last_used_at,
    usage.use_count as event_count,
    usage.user_count as users,
    usage.day_count as active_days,
    usage.window_use_count as events_in_window,
    usage.window_user_count as users_in_window,
    -- Depth: on how many of the window's days the organization used the feature.
    usage.window_day_count as active_days_in_window,
    toBool(toDate(organizations.last_seen_at) >= {{ window_start }}) as is_organization_active,
    toBool(usage.window_day_count >= {{ var('tracker__adoption_min_active_days') }}) as is_adopted,
    {{ as_of }} as as_of_date
from organizations
inner join features
    on organizations.company_id = features.company_id
left join usage
    on organizations.company_id = usage.company_id
    and organizations.customer_org_id = usage.customer_org_id
    and features.feature_key = usage.feature_key
