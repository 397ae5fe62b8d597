{#
  Grading helpers for fct_organization_health_daily. Components, weights, thresholds,
  grade points and tiers are project vars (dbt_project.yml, tracker__health_*).
#}

{% macro health_component(name) %}
    {%- set components = var('tracker__health_components') -%}
    {%- if name not in components -%}
        {{ exceptions.raise_compiler_error("tracker__health_components has no component '" ~ name ~ "'") }}
    {%- endif -%}
    {%- set component = components[name] -%}
    {%- for key in ['weight', 'healthy_at', 'concerning_at'] -%}
        {%- if component.get(key) is none -%}
            {{ exceptions.raise_compiler_error("tracker__health_components." ~ name ~ " needs " ~ key) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(component) }}
{% endmacro %}


{# 'healthy' | 'concerning' | 'poor', or 'not_applicable' when the value is NULL. #}
{% macro health_grade(name, value) -%}
    {%- set c = health_component(name) -%}
    {%- set better = '<=' if c.get('lower_is_better') else '>=' -%}
    multiIf(
        {{ value }} is null, 'not_applicable',
        {{ value }} {{ better }} {{ c.healthy_at }}, 'healthy',
        {{ value }} {{ better }} {{ c.concerning_at }}, 'concerning',
        'poor'
    )
{%- endmacro %}


{# The grade's points times the component's weight (0 when not applicable). #}
{% macro health_weighted_points(name, grade) -%}
    {%- set c = health_component(name) -%}
    {%- set points = var('tracker__health_grade_points') -%}
    {{ c.weight }} * multiIf(
        {{ grade }} = 'healthy', {{ points.healthy }},
        {{ grade }} = 'concerning', {{ points.concerning }},
        {{ grade }} = 'poor', {{ points.poor }},
        0
    )
{%- endmacro %}


{# The weight of the component when it applies, else 0. #}
{% macro health_applicable_weight(name, grade) -%}
    if({{ grade }} = 'not_applicable', 0, {{ health_component(name).weight }})
{%- endmacro %}


{# Round half up (ClickHouse's round() rounds float ties to even): 62.5 -> 63, 15.625 -> 15.63.
   The epsilon keeps a float sum that means x.5 (62.4999999) from rounding down. #}
{% macro round_half_up(value, digits=0) -%}
    (floor(({{ value }}) * {{ 10 ** digits }} + 0.5 + 1e-9) / {{ 10 ** digits }})
{%- endmacro %}


{# How many days one day of events feeds the health rows that follow it: two activity
   windows, the user base, or the inactivity tail, whichever is longest. #}
{% macro health_horizon_days() %}
    {{ return([
        2 * var('tracker__health_window_days'),
        var('tracker__health_user_base_days'),
        var('tracker__health_inactive_days') + 1,
    ] | max) }}
{% endmacro %}
