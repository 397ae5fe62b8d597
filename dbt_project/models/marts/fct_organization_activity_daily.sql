{{ config(
    engine='MergeTree()',
    partition_by='activity_date',
    order_by=['company_id', 'customer_org_id', 'activity_date'],
) }}

-- Sessions of the lookback days before the range change too (one crossing midnight into
-- the range gains events), so their days are rebuilt with them.
{%- set first_day = tracker_range_start(var('tracker__session_lookback_days')) %}

with events as (
    select *
    from {{ ref('stg_tracker__events') }}
    where event_date between {{ first_day }} and {{ tracker_range_end() }}
),

daily as (
    select
        company_id,
        customer_org_id,
        event_date as activity_date,
        count() as event_count,
        countIf(is_anonymous) as anonymous_event_count,
        uniqExactIf(user_hash, not is_anonymous) as active_users,
        arraySort(groupUniqArray(app_id)) as day_app_ids,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        -- The organization's plan label in the tracked product, as last sent that day.
        argMaxIf(org_plan, event_at, org_plan != '') as latest_org_plan
    from events
    group by company_id, customer_org_id, activity_date
),

sessions as (
    select
        company_id,
        customer_org_id,
        session_start_date as activity_date,
        count() as session_count,
        sum(duration_seconds) as session_seconds
    from {{ ref('fct_sessions') }}
    where session_start_date between {{ first_day }} and {{ tracker_range_end() }}
    group by company_id, customer_org_id, activity_date
),

features as (
    select
        company_id,
        customer_org_id,
        event_date as activity_date,
        uniqExact(feature_key) as features_used,
        uniqExact(app_id, event_id) as feature_event_count
    from {{ ref('int_events_matched_to_features') }}
    where event_date between {{ first_day }} and {{ tracker_range_end() }}
    group by company_id, customer_org_id, activity_date
)

select
    daily.company_id as company_id,
    daily.customer_org_id as customer_org_id,
    daily.activity_date as activity_date,
    daily.event_count as event_count,
    daily.anonymous_event_count as anonymous_event_count,
    daily.active_users as active_users,
    daily.day_app_ids as app_ids,
    length(daily.day_app_ids) as application_count,
    -- Sessions that started this day (a session crossing midnight counts on its first day).
    sessions.session_count as session_count,
    sessions.session_seconds as session_seconds,
    features.features_used as features_used,
    features.feature_event_count as feature_event_count,
    daily.first_event_at as first_event_at,
    daily.last_event_at as last_event_at,
    daily.latest_org_plan as org_plan
from daily
left join sessions
    on daily.company_id = sessions.company_id
    and daily.customer_org_id = sessions.customer_org_id
    and daily.activity_date = sessions.activity_date
left join features
    on daily.company_id = features.company_id
    and daily.customer_org_id = features.customer_org_id
    and daily.activity_date = features.activity_date
