{#- The query builder's event rollups (api_events_daily by event name, api_path_events_daily
    by path): one row per company, day, `key_column`, organization, plan label and
    environment over the run's day range, with the event count and exact uniqExact states
    of users and sessions. The state expressions are the raw path's aggregates in
    metrics_api/routes/query.py (METRICS), so merged states give exactly its answers. -#}
{% macro event_rollup(key_column, first_day, last_day) -%}
select
    company_id,
    event_date,
    {{ key_column }},
    customer_org_id,
    org_plan,
    environment,
    count() as event_count,
    uniqExactStateIf(user_hash, user_hash != '') as users_state,
    uniqExactStateIf((app_id, client_session_id), client_session_id != '') as sessions_state
from {{ ref('stg_tracker__events') }}
where event_date between {{ first_day }} and {{ last_day }}
group by company_id, event_date, {{ key_column }}, customer_org_id, org_plan, environment
{%- endmacro %}
