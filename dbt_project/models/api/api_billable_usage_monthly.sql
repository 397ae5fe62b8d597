{#- Read per export (one company, one month): a table sorted for that read, not a view. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'period_start', 'customer_org_id', 'meter_key'],
) }}

-- GET /v1/exports/billing?period=YYYY-MM: quantities per organization and meter.
select
    company_id,
    customer_org_id,
    period_start,
    period_end,
    meter_key,
    meter_aggregation,
    quantity
from {{ ref('fct_billable_usage_monthly') }}
