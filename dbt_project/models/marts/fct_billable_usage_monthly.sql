{{ config(
    engine='MergeTree()',
    partition_by='toYYYYMM(period_start)',
    order_by=['company_id', 'customer_org_id', 'period_start', 'meter_key'],
) }}

-- Meters are configuration (dbt_project.yml, tracker__meters). One pass over the month's
-- events computes every meter; a run rebuilds every month its day range touches, whole.
{%- set meters = tracker_meters() %}

with events as (
    select *
    from {{ ref('stg_tracker__events') }}
    where event_date between toStartOfMonth({{ tracker_range_start() }}) and toLastDayOfMonth({{ tracker_range_end() }})
),

measured as (
    select
        company_id,
        customer_org_id,
        toStartOfMonth(event_date) as period_start,
        [
            {%- for meter in meters %}
            toUInt64({{ meter_quantity(meter) }}){{ ',' if not loop.last }}
            {%- endfor %}
        ] as quantities
    from events
    group by company_id, customer_org_id, period_start
)

select
    company_id,
    customer_org_id,
    period_start,
    toLastDayOfMonth(period_start) as period_end,
    meter_key,
    meter_aggregation,
    quantity
from measured
array join
    {{ sql_string_array(meters | map(attribute='key') | list) }} as meter_key,
    {{ sql_string_array(meters | map(attribute='aggregation') | list) }} as meter_aggregation,
    quantities as quantity
