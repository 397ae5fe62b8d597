{#
  Billable usage meters (dbt_project.yml, tracker__meters): an event filter plus an
  aggregation. These macros check the configuration and turn each meter into one
  aggregate expression over stg_tracker__events.
#}

{% macro tracker_meters() %}
    {%- set meters = var('tracker__meters') or [] -%}
    {%- set seen = [] -%}
    {%- for meter in meters -%}
        {%- if not modules.re.match('^[a-z][a-z0-9_]*$', meter.get('key', '') | string) -%}
            {{ exceptions.raise_compiler_error("tracker__meters: key must be lowercase letters, digits and _, got '" ~ meter.get('key') ~ "'") }}
        {%- endif -%}
        {%- if meter.key in seen -%}
            {{ exceptions.raise_compiler_error("tracker__meters: key '" ~ meter.key ~ "' is defined twice") }}
        {%- endif -%}
        {%- do seen.append(meter.key) -%}
        {%- if meter.get('aggregation') not in ['count', 'unique_users', 'active_days'] -%}
            {{ exceptions.raise_compiler_error("tracker__meters." ~ meter.key ~ ": aggregation must be count, unique_users or active_days") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if not meters -%}
        {{ exceptions.raise_compiler_error("tracker__meters: define at least one meter") }}
    {%- endif -%}
    {{ return(meters) }}
{% endmacro %}


{% macro meter_filter(meter) -%}
    {%- set conditions = [] -%}
    {%- if meter.get('events') -%}
        {%- do conditions.append('has(' ~ sql_string_array(meter.events) ~ ', toString(event_name))') -%}
    {%- endif -%}
    {%- if meter.get('environments') -%}
        {%- do conditions.append('has(' ~ sql_string_array(meter.environments) ~ ', toString(environment))') -%}
    {%- endif -%}
    {%- if meter.get('path_prefix') -%}
        {%- do conditions.append('startsWith(path, ' ~ sql_string(meter.path_prefix) ~ ')') -%}
    {%- endif -%}
    {{ conditions | join(' and ') if conditions else 'true' }}
{%- endmacro %}


{% macro meter_quantity(meter) -%}
    {%- set where = meter_filter(meter) -%}
    {%- if meter.aggregation == 'count' -%}
        countIf({{ where }})
    {%- elif meter.aggregation == 'unique_users' -%}
        uniqExactIf(user_hash, not is_anonymous and {{ where }})
    {%- else -%}
        uniqExactIf(event_date, {{ where }})
    {%- endif -%}
{%- endmacro %}
