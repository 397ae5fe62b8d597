{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id'],
) }}

select
    orgs.company_id as company_id,
    orgs.customer_org_id as customer_org_id,
    orgs.plan as plan,
    plans.monthly_price as monthly_price
from {{ ref('orgs') }} as orgs
inner join {{ ref('plans') }} as plans on orgs.plan = plans.plan
