{#- A table sorted by organization, not a view of the day-partitioned mart: a health
    history reads one organization's rows from one part (a view read one granule of
    every day's partition, i.e. every organization's rows). Rebuilt whole each run.
    The API reads one named-tuple column, `health`, from compact parts (all columns in
    one file): 5 instead of 10 ms of warehouse CPU per history of 90 days. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id', 'health_date'],
    settings={'index_granularity': 1024, 'min_bytes_for_wide_part': 1073741824},
    query_settings={'enable_named_columns_in_function_tuple': 1},
) }}

{%- set components = ['activity_trend', 'user_breadth', 'feature_breadth', 'recency', 'engagement'] %}

-- GET /v1/organizations/{id}/health: the daily health history (fct_organization_health_daily).
select
    company_id,
    customer_org_id,
    health_date,
    health_score,
    health_tier,
    score_change,
    health_trend,
    activity_trend_value, activity_trend_grade, activity_trend_contribution,
    user_breadth_value, user_breadth_grade, user_breadth_contribution,
    feature_breadth_value, feature_breadth_grade, feature_breadth_contribution,
    recency_value, recency_grade, recency_contribution,
    engagement_value, engagement_grade, engagement_contribution,
    events_window,
    events_prior_window,
    users_window,
    users_base,
    features_used_window,
    features_defined,
    sessions_window,
    days_since_last_event,
    explanation,
    tuple(
        health_date, health_score, health_tier, health_trend, score_change, explanation,
        {%- for c in components %}
        {{ c }}_value, {{ c }}_grade, {{ c }}_contribution{{ "," if not loop.last }}
        {%- endfor %}
    ) as health
from {{ ref('fct_organization_health_daily') }}
