-- One organization's day-by-day activity (fct_organization_activity_daily).
select
    company_id,
    customer_org_id,
    activity_date,
    event_count,
    anonymous_event_count,
    active_users,
    app_ids,
    application_count,
    session_count,
    session_seconds,
    features_used,
    feature_event_count,
    first_event_at,
    last_event_at,
    org_plan
from {{ ref('fct_organization_activity_daily') }}
