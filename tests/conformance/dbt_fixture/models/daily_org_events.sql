{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['company_id', 'customer_org_id', 'event_date'],
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id', 'event_date'],
    partition_by='toYYYYMM(event_date)',
) }}

with events as (
    select * from {{ ref('stg_events') }}
    {% if is_incremental() %}
    -- Re-aggregate every (org, day) that received an event since the last run, over all of
    -- that day's events: delete+insert replaces the old row, so a partial count would lose data.
    where (company_id, customer_org_id, toDate(ts)) in (
        select company_id, customer_org_id, toDate(ts)
        from {{ ref('stg_events') }}
        where received_at > (select max(last_received_at) from {{ this }})
    )
    {% endif %}
)

select
    company_id,
    customer_org_id,
    toDate(ts) as event_date,
    count() as event_count,
    uniqExact(user_hash) as user_count,
    max(received_at) as last_received_at
from events
group by company_id, customer_org_id, event_date
