{#- Small (companies x cohorts x periods) and read per request: a table, not a view. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'cohort_type', 'cohort_start', 'period_number'],
) }}

-- GET /v1/retention: organization and user cohorts.
select
    company_id,
    cohort_type,
    period_grain,
    cohort_start,
    period_number,
    period_start,
    cohort_size,
    retained_count,
    retention_rate
from {{ ref('fct_retention_cohorts') }}
