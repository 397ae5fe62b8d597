-- Exactly once: every (app_id, event_id) in the raw table is in staging, once. Compares
-- counts per day, so a failure names the days to rebuild.
-- Dagster shows it as a check of staging (it reads two relations, so it must be told which).
{{ config(meta={'dagster': {'ref': {'name': 'stg_tracker__events'}}}) }}
with raw_events as (
    select toDate(min_ts) as event_date, count() as raw_distinct
    from (
        select app_id, event_id, argMin(ts, (received_at, ts)) as min_ts
        from {{ source('tracker_raw', 'events') }}
        group by app_id, event_id
    )
    group by event_date
),

staged as (
    select event_date, count() as staged_rows, uniqExact(app_id, event_id) as staged_distinct
    from {{ ref('stg_tracker__events') }}
    group by event_date
)

select
    raw_events.event_date as event_date,
    raw_events.raw_distinct as raw_distinct,
    staged.staged_rows as staged_rows,
    staged.staged_distinct as staged_distinct
from raw_events
full outer join staged on raw_events.event_date = staged.event_date
where raw_events.raw_distinct != staged.staged_rows or staged.staged_rows != staged.staged_distinct
