{# A ClickHouse string literal for a value from project configuration (vars). #}
{% macro sql_string(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}


{# A ClickHouse Array(String) literal. #}
{% macro sql_string_array(values) -%}
    [{% for value in (values or []) %}{{ sql_string(value) }}{{ ", " if not loop.last }}{% endfor %}]::Array(String)
{%- endmacro %}
