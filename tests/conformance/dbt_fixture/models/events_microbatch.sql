{{ config(
    materialized='incremental',
    incremental_strategy='microbatch',
    event_time='ts',
    begin='2024-03-01',
    batch_size='day',
    unique_key='event_id',
    engine='MergeTree()',
    order_by=['company_id', 'ts', 'event_id'],
    partition_by='toYYYYMMDD(ts)',
) }}

-- dbt filters stg_events to each day's batch through its event_time config.
select company_id, customer_org_id, event_id, event, ts
from {{ ref('stg_events') }}
