{#- Small (companies x features x plans) and read per request: a table, not a view. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'feature_key', 'org_plan'],
) }}

-- GET /v1/features/adoption (per feature: adoption rate among active organizations, by plan).
select
    company_id,
    feature_key,
    org_plan,
    feature_name,
    feature_status,
    active_organizations,
    adopting_organizations,
    adoption_rate,
    as_of_date
from {{ ref('fct_feature_adoption_by_plan') }}
