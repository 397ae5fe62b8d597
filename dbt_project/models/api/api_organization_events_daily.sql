{#- The query builder's coarser rollup: api_events_daily with the event names merged, i.e.
    one row per company, day, organization, plan label and environment. A request that
    neither filters nor groups by event name reads it: a tenth of the rows, and each
    session and user counted once per organization and day instead of once per event
    name, so merging the exact states costs a fraction. Built from api_events_daily by
    merging its states (uniqExactMergeState), so both agree by construction; partitioned
    and rewritten by month like it. -#}
{{ config(
    materialized='incremental',
    engine='MergeTree()',
    partition_by='toYYYYMM(event_date)',
    order_by=['company_id', 'event_date', 'customer_org_id', 'org_plan', 'environment'],
    settings={'index_granularity': 1024},
) }}

{%- set first_day = tracker_range_start() %}
{%- set last_day = tracker_range_end() %}

-- A run recomputes only its day range from api_events_daily; the rest of each month it
-- rewrites is copied from this table as it stands (those days' rows did not change).
with fresh as (
    select
        company_id,
        event_date,
        customer_org_id,
        org_plan,
        environment,
        sum(event_count) as event_count,
        uniqExactMergeState(users_state) as users_state,
        uniqExactMergeState(sessions_state) as sessions_state
    from {{ ref('api_events_daily') }}
    where event_date between {{ first_day }} and {{ last_day }}
    group by company_id, event_date, customer_org_id, org_plan, environment
)

select * from fresh
{{ rest_of_months('event_date', first_day, last_day) }}
