{#- The query builder's rollup for path-prefix filters: api_events by path instead of by
    event name, i.e. one row per company, day, path, organization, plan label and
    environment, with the event count and exact uniqExact states of users and sessions
    (the same expressions as api_events_daily). A prefix filter selects whole paths, so
    merging the selected rows' states gives exactly what api_events gives; requests that
    also filter or group by event name read api_events.

    Partitioned by month and rewritten by month, like api_events_daily. -#}
{{ config(
    materialized='incremental',
    engine='MergeTree()',
    partition_by='toYYYYMM(event_date)',
    order_by=['company_id', 'event_date', 'path', 'customer_org_id', 'org_plan', 'environment'],
    settings={'index_granularity': 1024},
) }}

{%- set first_day = tracker_range_start() %}
{%- set last_day = tracker_range_end() %}

-- A run recomputes only its day range from the events; the rest of each month it rewrites
-- is copied from this table as it stands (those days' rows did not change), which is
-- far cheaper than re-aggregating whole months.
with fresh as (
    select
        company_id,
        event_date,
        path,
        customer_org_id,
        org_plan,
        environment,
        count() as event_count,
        uniqExactStateIf(user_hash, user_hash != '') as users_state,
        uniqExactStateIf((app_id, client_session_id), client_session_id != '') as sessions_state
    from {{ ref('stg_tracker__events') }}
    where event_date between {{ first_day }} and {{ last_day }}
    group by company_id, event_date, path, customer_org_id, org_plan, environment
)

select * from fresh
{{ rest_of_months('event_date', first_day, last_day) }}
