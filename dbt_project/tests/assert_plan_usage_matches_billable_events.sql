-- Plan usage and the `events` billing meter count the same events per company and month.
{{ config(enabled=('events' in (var('tracker__meters') | map(attribute='key') | list))) }}
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
