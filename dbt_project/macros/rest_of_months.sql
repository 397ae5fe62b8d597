{#- For incremental models partitioned by month whose runs recompute only their day range:
    the rows of the other days of the months the range touches, copied from the table as
    it stands. insert_overwrite replaces whole month partitions, so a run's result must
    hold every day of each month it touches; copying the untouched days is far cheaper
    than re-aggregating whole months. Appended to the fresh rows with `union all`
    (nothing on a first build). -#}
{% macro rest_of_months(date_column, first_day, last_day) -%}
{%- if is_incremental() %}
union all
select *
from {{ this }}
where {{ date_column }} between toStartOfMonth({{ first_day }}) and toLastDayOfMonth({{ last_day }})
    and {{ date_column }} not between {{ first_day }} and {{ last_day }}
{%- endif %}
{%- endmacro %}
