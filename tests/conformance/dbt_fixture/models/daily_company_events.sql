{{ config(
    materialized='incremental',
    incremental_strategy='insert_overwrite',
    engine='MergeTree()',
    order_by=['company_id', 'event_date'],
    partition_by='event_date',
) }}

with events as (
    select * from {{ ref('stg_events') }}
    {% if is_incremental() %}
    -- insert_overwrite replaces whole partitions (days), so recompute every company of
    -- every day that received an event since the last run.
    where toDate(ts) in (
        select toDate(ts)
        from {{ ref('stg_events') }}
        where received_at > (select max(last_received_at) from {{ this }})
    )
    {% endif %}
)

select
    company_id,
    toDate(ts) as event_date,
    count() as event_count,
    uniqExact(customer_org_id) as org_count,
    max(received_at) as last_received_at
from events
group by company_id, event_date
