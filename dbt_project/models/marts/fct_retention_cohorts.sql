{#- Rebuilt whole on every run: a late event can change any cohort. Small (companies x
    cohorts x periods), so no partitions. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'cohort_type', 'cohort_start', 'period_number'],
) }}

{%- set period = var('tracker__retention_period') -%}
{%- if period == 'week' -%}
    {%- set period_start = 'toMonday' -%}
    {%- set periods_between = "intDiv(dateDiff('day', {a}, {b}), 7)" -%}
    {%- set add_periods = 'addWeeks' -%}
{%- elif period == 'month' -%}
    {%- set period_start = 'toStartOfMonth' -%}
    {%- set periods_between = "dateDiff('month', {a}, {b})" -%}
    {%- set add_periods = 'addMonths' -%}
{%- else -%}
    {{ exceptions.raise_compiler_error("tracker__retention_period must be week or month, got '" ~ period ~ "'") }}
{%- endif -%}
{%- set as_of = tracker_as_of_date() -%}

-- Organizations: any event. Users: identified users, across all of a company's
-- organizations and applications. One row per entity with the periods it was active in.
with entities as (
    select
        company_id,
        'organization' as cohort_type,
        customer_org_id as entity_id,
        groupUniqArray({{ period_start }}(activity_date)) as active_periods
    from {{ ref('fct_organization_activity_daily') }}
    where activity_date <= {{ as_of }}
    group by company_id, customer_org_id

    union all

    select
        company_id,
        'user' as cohort_type,
        user_hash as entity_id,
        groupUniqArray({{ period_start }}(activity_date)) as active_periods
    from {{ ref('int_user_activity_daily') }}
    where activity_date <= {{ as_of }}
    group by company_id, user_hash
),

-- The cohort is the first active period.
cohorts as (
    select company_id, cohort_type, arrayMin(active_periods) as cohort_start, active_periods
    from entities
),

retained as (
    select
        company_id,
        cohort_type,
        cohort_start,
        toUInt32({{ periods_between.format(a='cohort_start', b='active_period') }}) as period_number,
        count() as retained_count
    from cohorts
    array join active_periods as active_period
    group by company_id, cohort_type, cohort_start, period_number
),

-- Every period from the cohort's own up to the as-of date's (at most the configured
-- number), so a period nobody came back in shows 0 instead of missing.
grid as (
    select
        company_id,
        cohort_type,
        cohort_start,
        cohort_size,
        arrayJoin(range(toUInt32(least(
            {{ periods_between.format(a='cohort_start', b=period_start ~ '(' ~ as_of ~ ')') }},
            {{ var('tracker__retention_max_periods') }}
        ) + 1))) as period_number
    from (
        select company_id, cohort_type, cohort_start, count() as cohort_size
        from cohorts
        group by company_id, cohort_type, cohort_start
    )
)

select
    grid.company_id as company_id,
    grid.cohort_type as cohort_type,
    '{{ period }}' as period_grain,
    grid.cohort_start as cohort_start,
    grid.period_number as period_number,
    {{ add_periods }}(grid.cohort_start, grid.period_number) as period_start,
    grid.cohort_size as cohort_size,
    retained.retained_count as retained_count,
    round(retained.retained_count / grid.cohort_size, 4) as retention_rate
from grid
left join retained
    on grid.company_id = retained.company_id
    and grid.cohort_type = retained.cohort_type
    and grid.cohort_start = retained.cohort_start
    and grid.period_number = retained.period_number
