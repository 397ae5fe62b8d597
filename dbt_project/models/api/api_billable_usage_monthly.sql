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
