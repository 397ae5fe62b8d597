{#
  The day range an incremental run rebuilds, as SQL Date expressions.

  A person passes tracker__start_date / tracker__end_date ('YYYY-MM-DD', inclusive) as
  --vars; Dagster sets TRACKER__START_DATE / TRACKER__END_DATE in dbt's environment
  instead. Without them a run rebuilds today and tracker__lookback_days before it.
  A first build or --full-refresh reads everything: the bounds become 1971-01-01 and
  2149-01-01 (both well inside ClickHouse's Date range, so the models can still add or
  subtract their lookbacks without wrapping around).
#}

{% macro tracker_date_var(name) %}
    {%- set value = var(name, none) -%}
    {%- if (value is none or (value | string | trim) == '') and execute -%}
        {#- Dagster passes its range as environment variables (the var's name in capitals),
            not --vars: any change of --vars makes dbt re-parse the whole project, while an
            environment variable read only while executing leaves the parse cache valid. -#}
        {%- set value = env_var(name | upper, '') -%}
    {%- endif -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error(name ~ " must be a date written YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{# Today in UTC, whatever the server's time zone. #}
{% macro tracker_today() -%}
    toDate(now(), 'UTC')
{%- endmacro %}


{# The day "current" marts describe. #}
{% macro tracker_as_of_date() -%}
    {%- set as_of = tracker_date_var('tracker__as_of_date') -%}
    {%- if as_of -%} toDate('{{ as_of }}') {%- else -%} {{ tracker_today() }} {%- endif -%}
{%- endmacro %}


{# First day to rebuild, minus `days_before` (for lookbacks). #}
{% macro tracker_range_start(days_before=0) -%}
    {%- if is_incremental() -%}
        {%- set start = tracker_date_var('tracker__start_date') -%}
        {%- set end = tracker_date_var('tracker__end_date') -%}
        {%- if start -%}
            (toDate('{{ start }}') - {{ days_before }})
        {%- elif end -%}
            (toDate('{{ end }}') - {{ var('tracker__lookback_days') + days_before }})
        {%- else -%}
            ({{ tracker_today() }} - {{ var('tracker__lookback_days') + days_before }})
        {%- endif -%}
    {%- else -%}
        toDate('1971-01-01')
    {%- endif -%}
{%- endmacro %}


{# Last day to rebuild, plus `days_after` (for trailing windows the range's events feed). #}
{% macro tracker_range_end(days_after=0) -%}
    {%- if is_incremental() -%}
        {%- set end = tracker_date_var('tracker__end_date') -%}
        {%- if end -%}
            (toDate('{{ end }}') + {{ days_after }})
        {%- else -%}
            ({{ tracker_today() }} + {{ days_after }})
        {%- endif -%}
    {%- else -%}
        toDate('2149-01-01')
    {%- endif -%}
{%- endmacro %}


{# Last day of a daily history that describes "up to now": the range end plus the
   window its events feed, but never past the as-of date. #}
{% macro tracker_history_end(window_days=1) -%}
    least({{ tracker_range_end(window_days - 1) }}, {{ tracker_as_of_date() }})
{%- endmacro %}
