-- Daily organization activity and billable events count every staged event once.
-- Dagster shows it as a check of the activity mart (it reads two relations, so it must be told which).
{{ config(meta={'dagster': {'ref': {'name': 'fct_organization_activity_daily'}}}) }}
with staged as (
    select company_id, event_date, count() as events
    from {{ ref('stg_tracker__events') }}
    group by company_id, event_date
),

activity as (
    select company_id, activity_date as event_date, sum(event_count) as events
    from {{ ref('fct_organization_activity_daily') }}
    group by company_id, event_date
)

select staged.company_id, staged.event_date, staged.events as staged_events, activity.events as activity_events
from staged
full outer join activity
    on staged.company_id = activity.company_id and staged.event_date = activity.event_date
where staged.events != activity.events
