{#- What GET /v1/organizations lists: each organization with its latest health. Small
    and read per request, so a table (not a view joining two marts on every request). -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id'],
) }}

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
        explanation
    from {{ ref('fct_organization_health_daily') }}
    where health_date <= {{ tracker_as_of_date() }}
    order by health_date desc
    limit 1 by company_id, customer_org_id
)

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
    organizations.as_of_date as as_of_date
from {{ ref('dim_organizations') }} as organizations
left join latest_health
    on organizations.company_id = latest_health.company_id
    and organizations.customer_org_id = latest_health.customer_org_id
