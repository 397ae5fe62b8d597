{#- The query builder's (POST /v1/query) rollup of api_events: one row per company, day,
    event name, organization, plan label and environment, i.e. every dimension and filter
    of the builder except the path prefix. Counts add up across rows; distinct users and
    sessions do not, so they are kept as exact uniqExact states (sets of the same 128-bit
    hashes uniqExact keeps over raw rows) that merge into exactly the answer api_events
    gives. About 8 times fewer rows than events, and no 64-character user hashes to read
    and hash per query.

    Partitioned by month: a 60-day query opens 2-3 parts (daily parts cost more to open
    than the rows they hold). A run rewrites every month its day range touches: the
    range's days recomputed, the month's other days copied from the table. -#}
{{ config(
    materialized='incremental',
    engine='MergeTree()',
    partition_by='toYYYYMM(event_date)',
    order_by=['company_id', 'event_date', 'event_name', 'customer_org_id', 'org_plan', 'environment'],
    settings={'index_granularity': 1024},
) }}

{%- set first_day = tracker_range_start() %}
{%- set last_day = tracker_range_end() %}

with fresh as (
    {{ event_rollup('event_name', first_day, last_day) }}
)

select * from fresh
{{ rest_of_months('event_date', first_day, last_day) }}
