-- GET /v1/events (event explorer): deduplicated events, one row per (app_id, event_id).
select
    company_id,
    app_id,
    event_id,
    event_name,
    event_at,
    event_date,
    time_source,
    received_at,
    customer_org_id,
    user_hash,
    is_anonymous,
    client_session_id,
    path,
    environment,
    org_plan
from {{ ref('stg_tracker__events') }}
