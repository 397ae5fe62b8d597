-- GET /v1/sessions/stats reads sessions from here.
select
    company_id,
    app_id,
    customer_org_id,
    session_id,
    session_source,
    user_hash,
    session_started_at,
    session_ended_at,
    session_start_date,
    duration_seconds,
    event_count,
    entry_path,
    exit_path,
    path_count,
    paths,
    feature_keys,
    feature_count
from {{ ref('fct_sessions') }}
