{{ config(
    engine='MergeTree()',
    partition_by='health_date',
    order_by=['company_id', 'customer_org_id', 'health_date'],
) }}

-- The default health model of DESIGN.md section 6. What each component measures, its
-- weight and thresholds, the grade points and the tiers are project vars
-- (dbt_project.yml, tracker__health_*); this file only applies them.
{% set window_days = var('tracker__health_window_days') -%}
{%- set horizon = health_horizon_days() -%}
{%- set trend_days = var('tracker__health_trend_days') -%}
{#- Rebuilt from the session lookback days on, like its inputs. -#}
{%- set lookback = var('tracker__session_lookback_days') -%}
{%- set trend_min = var('tracker__health_trend_min_change') -%}
{%- set tiers = var('tracker__health_tiers') -%}
{%- set components = ['activity_trend', 'user_breadth', 'feature_breadth', 'recency', 'engagement'] -%}
{%- set w = window_days | string -%}
{%- set details = {
    'activity_trend': "toString(events_window), ' events in the last " ~ w ~ " days vs ', toString(events_prior_window), ' in the " ~ w ~ " days before'",
    'user_breadth': "toString(users_window), ' of ', toString(users_base), ' users active in the last " ~ w ~ " days'",
    'feature_breadth': "toString(features_used_window), ' of ', toString(features_defined), ' features used in the last " ~ w ~ " days'",
    'recency': "'last event ', toString(days_since_last_event), ' days ago'",
    'engagement': "toString(sessions_window), ' sessions by ', toString(users_window), ' active users in the last " ~ w ~ " days'",
} -%}

with inputs as (
    -- trend_days more than the rows written, for the trend.
    select *
    from {{ ref('int_organization_health_inputs_daily') }}
    where health_date between {{ tracker_range_start(lookback + trend_days) }} and {{ tracker_history_end(horizon) }}
),

measured as (
    select
        *,
        -- NULL = not applicable: no events in the window before (a new organization), no
        -- identified users, no features defined.
        if(events_prior_window = 0, null, round(events_window / events_prior_window, 4)) as activity_trend_value,
        if(users_base = 0, null, round(users_window / users_base, 4)) as user_breadth_value,
        if(features_defined = 0, null, round(least(features_used_window / features_defined, 1), 4)) as feature_breadth_value,
        days_since_last_event as recency_value,
        round(sessions_window / greatest(users_window, 1), 4) as engagement_value
    from inputs
),

graded as (
    select
        *,
        {%- for name in components %}
        {{ health_grade(name, name ~ '_value') }} as {{ name }}_grade,
        {%- endfor %}
        {%- for name in components %}
        {{ health_applicable_weight(name, name ~ '_grade') }}{{ ' +' if not loop.last }}
        {%- endfor %} as applicable_weight,
        -- Only when every applicable component weighs 0 (a configuration that scores 0).
        if(applicable_weight = 0, 1, applicable_weight) as weight_base
    from measured
),

{%- set exact_points = [] -%}
{%- for name in components -%}{%- do exact_points.append(name ~ '_exact') -%}{%- endfor %}
scored as (
    select
        *,
        {%- for name in components %}
        100 * {{ health_weighted_points(name, name ~ '_grade') }} / weight_base as {{ name }}_exact,
        100 * {{ health_applicable_weight(name, name ~ '_grade') }} / weight_base as {{ name }}_max,
        {%- endfor %}
        toUInt8({{ round_half_up(exact_points | join(' + ')) }}) as health_score
    from graded
),

with_trend as (
    select
        scored.*,
        before.score_before as score_before
    from scored
    left join (
        select company_id, customer_org_id, health_date, toNullable(health_score) as score_before
        from scored
    ) as before
        on scored.company_id = before.company_id
        and scored.customer_org_id = before.customer_org_id
        and scored.health_date - {{ trend_days }} = before.health_date
)

select
    company_id,
    customer_org_id,
    health_date,
    health_score,
    multiIf(
        health_score >= {{ tiers.healthy }}, 'healthy',
        health_score >= {{ tiers.neutral }}, 'neutral',
        'at_risk'
    ) as health_tier,
    -- NULL when the organization has no score trend_days before (it is new).
    toInt16(health_score) - toInt16(score_before) as score_change,
    multiIf(
        score_before is null, 'new',
        score_change >= {{ trend_min }}, 'improving',
        score_change <= -{{ trend_min }}, 'declining',
        'stable'
    ) as health_trend,
    {%- for name in components %}
    {{ name }}_value,
    {{ name }}_grade,
    {{ round_half_up(name ~ '_exact', 2) }} as {{ name }}_contribution,
    {%- endfor %}
    events_window,
    events_prior_window,
    users_window,
    users_base,
    features_used_window,
    features_defined,
    sessions_window,
    days_since_last_event,
    -- One line per component: grade, the numbers behind it, and points earned of the
    -- points it could earn, e.g. "recency concerning: last event 9 days ago (10.0 of 20.0 points)".
    [
        {%- for name in components %}
        concat(
            '{{ name | replace("_", " ") }} ', replace({{ name }}_grade, '_', ' '), ': ', {{ details[name] }},
            ' (', toDecimalString({{ name }}_exact, 1), ' of ', toDecimalString({{ name }}_max, 1), ' points)'
        ){{ ',' if not loop.last }}
        {%- endfor %}
    ] as explanation
from with_trend
where health_date >= {{ tracker_range_start(lookback) }}
