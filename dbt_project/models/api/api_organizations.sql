{#- What GET /v1/organizations lists, and everything GET /v1/organizations/{id} shows: each
    organization with its latest health (components and explanation), its feature
    adoption, its sessions and its day-by-day activity of the last 28 days. Read per
    request, so a table with one row per organization: the list reads a few columns of
    it, the detail page reads one row (one round trip instead of five).
    The API reads two packed columns, `summary` (a list item) and `detail` (the rest of
    the detail page): the warehouse's cost per query grows with the columns it reads,
    and one tuple column costs about as much as one plain column. Every tuple here is
    named (the query setting), so the API reads fields by name, not position. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id'],
    settings={'index_granularity': 256},
    query_settings={'enable_named_columns_in_function_tuple': 1},
) }}

{%- set as_of = tracker_as_of_date() -%}
{%- set components = ['activity_trend', 'user_breadth', 'feature_breadth', 'recency', 'engagement'] -%}

-- Nullable: an organization without a health row yet shows NULL, not a score of 0.
with latest_health as (
    select
        company_id,
        customer_org_id,
        toNullable(health_date) as health_date,
        toNullable(health_score) as health_score,
        toNullable(health_tier) as health_tier,
        toNullable(health_trend) as health_trend,
        score_change,
        explanation,
        {%- for c in components %}
        {{ c }}_value, {{ c }}_grade, {{ c }}_contribution{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('fct_organization_health_daily') }}
    where health_date <= {{ as_of }}
    order by health_date desc
    limit 1 by company_id, customer_org_id
),

-- The detail page's adoption list, ordered by feature_key (tuples sort by their first element).
adoption as (
    select
        company_id,
        customer_org_id,
        arraySort(groupArray(tuple(
            feature_key, feature_name, is_adopted, first_used_at, last_used_at, event_count, users,
            active_days_in_window
        ))) as adoption
    from {{ ref('fct_feature_adoption') }}
    group by company_id, customer_org_id
),

-- Sessions started in the 28 days up to the as-of date. Nullable averages, so an
-- organization without sessions in the window reads NULL rather than 0.
sessions as (
    select
        company_id,
        customer_org_id,
        count() as sessions_28d,
        toNullable(avg(duration_seconds)) as avg_session_seconds_28d,
        toNullable(avg(event_count)) as avg_session_events_28d
    from {{ ref('fct_sessions') }}
    where session_start_date between {{ as_of }} - 27 and {{ as_of }}
    group by company_id, customer_org_id
),

-- The last 28 days with events, newest first.
activity as (
    select
        company_id,
        customer_org_id,
        arrayReverseSort(groupArray(tuple(
            activity_date, event_count, active_users, session_count, session_seconds, features_used
        ))) as activity_28d
    from {{ ref('fct_organization_activity_daily') }}
    where activity_date between {{ as_of }} - 27 and {{ as_of }}
    group by company_id, customer_org_id
),

organization_rows as (
    select
        organizations.company_id as company_id,
        organizations.customer_org_id as customer_org_id,
        organizations.first_seen_at as first_seen_at,
        organizations.last_seen_at as last_seen_at,
        organizations.app_ids as app_ids,
        organizations.application_count as application_count,
        organizations.org_plan as org_plan,
        organizations.event_count as event_count,
        organizations.active_days as active_days,
        organizations.events_28d as events_28d,
        organizations.users as users,
        organizations.active_users_7d as active_users_7d,
        organizations.active_users_28d as active_users_28d,
        organizations.days_since_last_seen as days_since_last_seen,
        organizations.is_active_28d as is_active_28d,
        latest_health.health_date as health_date,
        latest_health.health_score as health_score,
        latest_health.health_tier as health_tier,
        latest_health.health_trend as health_trend,
        latest_health.score_change as health_score_change,
        latest_health.explanation as health_explanation,
        {%- for c in components %}
        latest_health.{{ c }}_value as health_{{ c }}_value,
        latest_health.{{ c }}_grade as health_{{ c }}_grade,
        latest_health.{{ c }}_contribution as health_{{ c }}_contribution,
        {%- endfor %}
        adoption.adoption as adoption,
        sessions.sessions_28d as sessions_28d,
        sessions.avg_session_seconds_28d as avg_session_seconds_28d,
        sessions.avg_session_events_28d as avg_session_events_28d,
        activity.activity_28d as activity_28d,
        organizations.as_of_date as as_of_date
    from {{ ref('dim_organizations') }} as organizations
    left join latest_health
        on organizations.company_id = latest_health.company_id
        and organizations.customer_org_id = latest_health.customer_org_id
    left join adoption
        on organizations.company_id = adoption.company_id
        and organizations.customer_org_id = adoption.customer_org_id
    left join sessions
        on organizations.company_id = sessions.company_id
        and organizations.customer_org_id = sessions.customer_org_id
    left join activity
        on organizations.company_id = activity.company_id
        and organizations.customer_org_id = activity.customer_org_id
)

select
    *,
    tuple(
        customer_org_id, org_plan as plan, health_score, health_tier, health_trend, health_score_change,
        health_date, first_seen_at, last_seen_at, days_since_last_seen, active_users_7d, active_users_28d,
        users, events_28d, event_count, application_count, is_active_28d, as_of_date
    ) as summary,
    tuple(
        health_score_change as score_change,
        health_explanation as explanation,
        {%- for c in components %}
        health_{{ c }}_value as {{ c }}_value,
        health_{{ c }}_grade as {{ c }}_grade,
        health_{{ c }}_contribution as {{ c }}_contribution,
        {%- endfor %}
        adoption,
        sessions_28d,
        avg_session_seconds_28d,
        avg_session_events_28d,
        activity_28d
    ) as detail
from organization_rows
