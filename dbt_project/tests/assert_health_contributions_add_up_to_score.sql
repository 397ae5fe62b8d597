-- The explanation must explain the score: component contributions add up to it (each is
-- rounded to 2 decimals, the score to a whole number).
select company_id, customer_org_id, health_date, health_score,
    activity_trend_contribution + user_breadth_contribution + feature_breadth_contribution
        + recency_contribution + engagement_contribution as contributions
from {{ ref('fct_organization_health_daily') }}
where abs(contributions - health_score) > 0.51
