{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'feature_key', 'org_plan'],
) }}

-- Adoption rate = organizations that adopted the feature / organizations active in the
-- adoption window, per organization plan label and over all plans ('(all)').
-- Organizations whose product never sent a plan are grouped as '(none)'.
with adoption as (
    select
        company_id,
        feature_key,
        feature_name,
        feature_status,
        if(org_plan = '', '(none)', org_plan) as plan_label,
        is_organization_active,
        is_adopted
    from {{ ref('fct_feature_adoption') }}
),

by_plan as (
    select
        company_id, feature_key, any(feature_name) as feature_name, any(feature_status) as feature_status,
        plan_label as org_plan,
        countIf(is_organization_active) as active_organizations,
        countIf(is_organization_active and is_adopted) as adopting_organizations
    from adoption
    group by company_id, feature_key, plan_label
),

all_plans as (
    select
        company_id, feature_key, any(feature_name) as feature_name, any(feature_status) as feature_status,
        '(all)' as org_plan,
        countIf(is_organization_active) as active_organizations,
        countIf(is_organization_active and is_adopted) as adopting_organizations
    from adoption
    group by company_id, feature_key
),

combined as (
    select * from by_plan
    union all
    select * from all_plans
)

select
    company_id,
    feature_key,
    org_plan,
    feature_name,
    feature_status,
    active_organizations,
    adopting_organizations,
    if(active_organizations = 0, null, round(adopting_organizations / active_organizations, 4)) as adoption_rate,
    {{ tracker_as_of_date() }} as as_of_date
from combined
