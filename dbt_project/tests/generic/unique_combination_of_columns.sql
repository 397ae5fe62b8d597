{#- Fails with one row per key that occurs more than once (dbt_utils has this; hub
    packages are not available here). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set key = combination_of_columns | join(', ') %}
select {{ key }}, count() as copies
from {{ model }}
group by {{ key }}
having count() > 1
{% endtest %}
