{{ config(
    engine='MergeTree()',
    partition_by='toYYYYMM(usage_month)',
    order_by=['company_id', 'usage_month'],
) }}

-- A run rebuilds every calendar month its day range touches, whole.
{%- set as_of = tracker_as_of_date() %}

with usage as (
    select
        company_id,
        toStartOfMonth(event_date) as usage_month,
        count() as event_count,
        -- Applications that sent events this month: the applications the plan's cap is about.
        uniqExact(app_id) as application_count,
        uniqExact(customer_org_id) as organization_count
    from {{ ref('stg_tracker__events') }}
    where event_date between toStartOfMonth({{ tracker_range_start() }}) and toLastDayOfMonth({{ tracker_range_end() }})
    group by company_id, usage_month
),

-- The terms in force at the end of the month; for the current month, at the end of the
-- as-of day (saas_tracker/control/README.md).
terms as (
    select
        usage.company_id as company_id,
        usage.usage_month as usage_month,
        toBool(true) as has_terms,
        periods.plan_key as plan_key,
        periods.subscription_status as subscription_status,
        periods.currency as currency,
        periods.list_price as list_price,
        periods.events_limit as events_limit,
        periods.applications_limit as applications_limit,
        periods.overage_price_per_1000 as overage_price_per_1000
    from usage
    inner join {{ ref('stg_tracker__subscription_periods') }} as periods
        on usage.company_id = periods.company_id
    where periods.valid_from <= least(
            toDateTime64(addMonths(usage.usage_month, 1), 3, 'UTC'),
            toDateTime64({{ as_of }} + 1, 3, 'UTC')
        ) - toIntervalMillisecond(1)
      and (periods.valid_to is null or periods.valid_to > least(
            toDateTime64(addMonths(usage.usage_month, 1), 3, 'UTC'),
            toDateTime64({{ as_of }} + 1, 3, 'UTC')
        ) - toIntervalMillisecond(1))
    order by periods.valid_from desc
    limit 1 by company_id, usage_month
),

-- The cheapest plan on sale (active, not a trial) whose limits cover the month's usage;
-- NULL limits are unlimited. Ties: the catalogue's order.
suggestions as (
    select
        usage.company_id as company_id,
        usage.usage_month as usage_month,
        argMin(plans.plan_key, (plans.list_price, plans.sort_order)) as suggested_plan_key,
        min(plans.list_price) as suggested_plan_list_price
    from usage
    cross join (
        select * from {{ ref('stg_tracker__plans') }} where is_active and not is_trial
    ) as plans
    where (plans.events_limit is null or usage.event_count <= plans.events_limit)
      and (plans.applications_limit is null or usage.application_count <= plans.applications_limit)
    group by company_id, usage_month
),

measured as (
    select
        usage.company_id as company_id,
        usage.usage_month as usage_month,
        terms.has_terms as has_subscription,
        terms.plan_key as plan_key,
        terms.subscription_status as subscription_status,
        terms.currency as currency,
        terms.list_price as list_price,
        usage.event_count as event_count,
        terms.events_limit as events_limit,
        usage.application_count as application_count,
        terms.applications_limit as applications_limit,
        usage.organization_count as organization_count,
        terms.overage_price_per_1000 as overage_price_per_1000,
        if(terms.events_limit is null, 0, greatest(toInt64(usage.event_count) - toInt64(assumeNotNull(terms.events_limit)), 0)) as overage_events_signed,
        if(terms.applications_limit is null, 0, greatest(toInt64(usage.application_count) - toInt64(assumeNotNull(terms.applications_limit)), 0)) as applications_over_signed,
        suggestions.suggested_plan_key as suggested_plan_key,
        suggestions.suggested_plan_list_price as suggested_plan_list_price
    from usage
    left join terms
        on usage.company_id = terms.company_id and usage.usage_month = terms.usage_month
    left join suggestions
        on usage.company_id = suggestions.company_id and usage.usage_month = suggestions.usage_month
)

select
    company_id,
    usage_month,
    toLastDayOfMonth(usage_month) as usage_month_end,
    toBool(usage_month = toStartOfMonth({{ as_of }})) as is_current_month,
    has_subscription,
    plan_key,
    subscription_status,
    currency,
    list_price,
    event_count,
    events_limit,
    if(events_limit is null or events_limit = 0, null, round(100 * event_count / events_limit, 2)) as events_limit_used_pct,
    toUInt64(overage_events_signed) as overage_events,
    -- Overage is billed per started block of 1,000 events.
    toUInt64(ceil(overage_events_signed / 1000)) as overage_units,
    overage_price_per_1000,
    toDecimal64(overage_units * overage_price_per_1000, 4) as overage_cost,
    toBool(overage_events_signed > 0) as is_over_events_limit,
    application_count,
    applications_limit,
    toUInt32(applications_over_signed) as applications_over_limit,
    toBool(applications_over_signed > 0) as is_over_applications_limit,
    organization_count,
    suggested_plan_key,
    suggested_plan_list_price,
    toBool(has_subscription and suggested_plan_key != plan_key) as is_plan_change_suggested
from measured
