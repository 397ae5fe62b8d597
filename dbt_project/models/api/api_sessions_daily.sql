{#- GET /v1/sessions/stats reads this rollup of api_sessions (fct_sessions): one row per
    company, session start day, application and organization, i.e. every filter the
    endpoint has. Each statistic stays exact: counts and sums add up, distinct users are
    an exact uniqExact state, and the durations are kept as an array so the median and
    p90 are computed over exactly the sessions' values (quantileExactArray). Reading it
    skips the user hashes and paths a scan of the sessions would decompress.

    Partitioned by month (a range opens a few parts, not one per day); a run rewrites
    every month its range (from the session lookback on) touches: the range's days
    recomputed from the sessions, the month's other days copied from the table. -#}
{{ config(
    materialized='incremental',
    engine='MergeTree()',
    partition_by='toYYYYMM(session_start_date)',
    order_by=['company_id', 'session_start_date', 'app_id', 'customer_org_id'],
    settings={'index_granularity': 1024},
) }}

{%- set first_day = tracker_range_start(var('tracker__session_lookback_days')) %}
{%- set last_day = tracker_range_end() %}

with fresh as (
    select
        company_id,
        session_start_date,
        app_id,
        customer_org_id,
        count() as session_count,
        uniqExactStateIf(user_hash, user_hash != '') as users_state,
        sum(duration_seconds) as duration_seconds_sum,
        sum(event_count) as event_count_sum,
        countIf(event_count = 1) as bounce_count,
        groupArray(duration_seconds) as durations
    from {{ ref('fct_sessions') }}
    where session_start_date between {{ first_day }} and {{ last_day }}
    group by company_id, session_start_date, app_id, customer_org_id
)

select * from fresh
{{ rest_of_months('session_start_date', first_day, last_day) }}
