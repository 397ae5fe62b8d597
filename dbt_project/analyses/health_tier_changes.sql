-- Which organizations changed health tier over the last trend window, and which
-- component moved most. Compile with `dbt compile --select health_tier_changes` and run
-- the SQL in target/compiled/ (analyses are never materialized).
{%- set trend_days = var('tracker__health_trend_days') %}

with today as (
    select *
    from {{ ref('fct_organization_health_daily') }}
    where health_date = {{ tracker_as_of_date() }}
),

before as (
    select *
    from {{ ref('fct_organization_health_daily') }}
    where health_date = {{ tracker_as_of_date() }} - {{ trend_days }}
)

select
    today.company_id as company_id,
    today.customer_org_id as customer_org_id,
    before.health_tier as tier_before,
    today.health_tier as tier_now,
    today.health_score - before.health_score as score_change,
    arraySort(
        x -> x.2,
        [
            ('activity_trend', today.activity_trend_contribution - before.activity_trend_contribution),
            ('user_breadth', today.user_breadth_contribution - before.user_breadth_contribution),
            ('feature_breadth', today.feature_breadth_contribution - before.feature_breadth_contribution),
            ('recency', today.recency_contribution - before.recency_contribution),
            ('engagement', today.engagement_contribution - before.engagement_contribution)
        ]
    )[1] as biggest_drop
from today
inner join before
    on today.company_id = before.company_id and today.customer_org_id = before.customer_org_id
where today.health_tier != before.health_tier
order by company_id, score_change
