{{ config(materialized='view', event_time='ts') }}

-- event_time lets microbatch models downstream read only their batch's rows.
with source as (
    select * from {{ source('raw', 'raw_events') }}
),

renamed as (
    select
        company_id,
        customer_org_id,
        event_id,
        event,
        ts,
        user_hash,
        received_at
    from source
)

select * from renamed
