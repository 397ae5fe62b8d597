{#
  on-run-start hook: --full-refresh drops and rebuilds every incremental table from the raw
  events: on a shared or production warehouse that means partial marts for the length of
  the rebuild and, for raw events past their retention, lost history. Outside development
  (TRACKER_ENV other than "development") it is refused unless the run says so explicitly:
      dbt build --full-refresh --vars '{tracker__allow_full_refresh: true}'
  Rebuilding a day range (tracker__start_date / tracker__end_date) is always allowed.
#}
{% macro guard_full_refresh() %}
    {%- set environment = env_var('TRACKER_ENV', 'development') -%}
    {%- if flags.FULL_REFRESH and environment != 'development' and not var('tracker__allow_full_refresh') -%}
        {{ exceptions.raise_compiler_error(
            "--full-refresh is refused when TRACKER_ENV=" ~ environment ~ ": rebuild a day range with "
            ~ "tracker__start_date/tracker__end_date instead, or add "
            ~ "--vars '{tracker__allow_full_refresh: true}' if you really mean it"
        ) }}
    {%- endif -%}
{% endmacro %}
