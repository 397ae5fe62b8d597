{{ config(
    materialized='incremental',
    incremental_strategy='append',
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id', 'ts', 'event_id'],
    partition_by='toYYYYMM(ts)',
) }}

select company_id, customer_org_id, event_id, event, ts, user_hash, received_at
from {{ ref('stg_events') }}
{% if is_incremental() %}
-- Load time, not event time: late events (old ts, new received_at) must still arrive.
where received_at > (select max(received_at) from {{ this }})
{% endif %}
