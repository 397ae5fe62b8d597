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

with fresh as (
    {{ event_rollup('path', first_day, last_day) }}
)

select * from fresh
{{ rest_of_months('event_date', first_day, last_day) }}
