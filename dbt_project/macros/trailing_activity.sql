{#
  Distinct entities active in trailing windows, counted exactly and cheaply.

  Given `active_days`, the sorted distinct days on which one entity (a user, or an
  organization's use of a feature) was active, returns an array of (day, age) tuples: one
  for every day in [first_day, last_day] on which the entity was active within the last
  `window_days` days, with age = days since its latest activity up to that day (0 = active
  that day). Each activity day covers the days up to the next activity day, so every
  entity appears at most once per day, and counting rows per day counts entities: DAU is
  countIf(age = 0), WAU countIf(age < 7), MAU count() with window_days = 28. Only days in
  the range are produced, so a one-day incremental run produces one row per entity.
#}
{% macro trailing_activity_days(active_days, first_day, last_day, window_days) -%}
    arrayFlatten(arrayMap(
        (active, next_active) -> arrayMap(
            age -> (active + age, age),
            range(
                toUInt32(greatest(0, dateDiff('day', active, {{ first_day }}))),
                toUInt32(greatest(0, least(
                    {{ window_days }},
                    dateDiff('day', active, next_active),
                    dateDiff('day', active, {{ last_day }}) + 1
                )))
            )
        ),
        {{ active_days }},
        arrayPushBack(arrayPopFront({{ active_days }}), toDate('2149-01-01'))
    ))
{%- endmacro %}


{# Offsets k in [0, window_days) such that day + k lies in [first_day, last_day]: the days
   of a daily history that one day of activity feeds. #}
{% macro days_fed_by(day, first_day, last_day, window_days) -%}
    range(
        toUInt32(greatest(0, dateDiff('day', {{ day }}, {{ first_day }}))),
        toUInt32(greatest(0, least({{ window_days }}, dateDiff('day', {{ day }}, {{ last_day }}) + 1)))
    )
{%- endmacro %}
