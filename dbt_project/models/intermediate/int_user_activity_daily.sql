{{ config(
    engine='MergeTree()',
    partition_by='activity_date',
    order_by=['company_id', 'customer_org_id', 'user_hash', 'activity_date', 'app_id'],
) }}

-- Identified users only: anonymous events (user_hash '') have no user to count.
select
    company_id,
    app_id,
    customer_org_id,
    user_hash,
    event_date as activity_date,
    count() as event_count,
    min(event_at) as first_event_at,
    max(event_at) as last_event_at
from {{ ref('stg_tracker__events') }}
where not is_anonymous
  and event_date between {{ tracker_range_start() }} and {{ tracker_range_end() }}
group by company_id, app_id, customer_org_id, user_hash, activity_date
