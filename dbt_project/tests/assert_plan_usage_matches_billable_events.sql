-- Plan usage and the `events` billing meter count the same events per company and month.
-- Dagster shows it as a check of plan usage (it reads two relations, so it must be told which).
{{ config(
    enabled=('events' in (var('tracker__meters') | map(attribute='key') | list)),
    meta={'dagster': {'ref': {'name': 'fct_plan_usage_monthly'}}},
) }}
with billed as (
    select company_id, period_start as usage_month, sum(quantity) as events
    from {{ ref('fct_billable_usage_monthly') }}
    where meter_key = 'events'
    group by company_id, usage_month
)

select usage.company_id, usage.usage_month, usage.event_count, billed.events
from {{ ref('fct_plan_usage_monthly') }} as usage
full outer join billed
    on usage.company_id = billed.company_id and usage.usage_month = billed.usage_month
where usage.event_count != billed.events
