{{ config(
    engine='MergeTree()',
    partition_by='event_date',
    order_by=['company_id', 'customer_org_id', 'feature_key', 'event_date', 'user_hash'],
) }}

-- The one place that decides which events are uses of which feature (see
-- saas_tracker/control/README.md): the event is in the definition's application (if it
-- names one) and environments (if it lists any), its name is one of the definition's
-- event names or its path starts with the definition's path prefix, and it happened on
-- or after valid_from and before the definition was retired.

with events as (
    select
        company_id, app_id, event_id, event_name, event_at, event_date,
        customer_org_id, user_hash, path, environment
    from {{ ref('stg_tracker__events') }}
    where event_date between {{ tracker_range_start() }} and {{ tracker_range_end() }}
),

definitions as (
    select * from {{ ref('stg_tracker__feature_definitions') }}
),

-- One row per (definition, event name), so name matches are an equality join.
definitions_by_event_name as (
    select
        company_id, feature_key, only_app_id, environments, valid_from, retired_at,
        arrayJoin(event_names) as event_name
    from definitions
),

definitions_by_path as (
    select company_id, feature_key, only_app_id, environments, valid_from, retired_at, event_names, path_prefix
    from definitions
    where path_prefix != ''
),

matched_by_name as (
    select
        events.company_id as company_id,
        events.app_id as app_id,
        events.event_id as event_id,
        events.customer_org_id as customer_org_id,
        events.user_hash as user_hash,
        events.event_at as event_at,
        events.event_date as event_date,
        rules.feature_key as feature_key
    from events
    inner join definitions_by_event_name as rules
        on events.company_id = rules.company_id and events.event_name = rules.event_name
    where (rules.only_app_id is null or events.app_id = rules.only_app_id)
      and (empty(rules.environments) or has(rules.environments, events.environment))
      and events.event_date >= rules.valid_from
      and (rules.retired_at is null or events.event_at < rules.retired_at)
),

matched_by_path as (
    select
        events.company_id as company_id,
        events.app_id as app_id,
        events.event_id as event_id,
        events.customer_org_id as customer_org_id,
        events.user_hash as user_hash,
        events.event_at as event_at,
        events.event_date as event_date,
        rules.feature_key as feature_key
    from events
    inner join definitions_by_path as rules
        on events.company_id = rules.company_id
    where startsWith(events.path, rules.path_prefix)
      -- Matched by name already: one row per event and feature.
      and not has(rules.event_names, events.event_name)
      and (rules.only_app_id is null or events.app_id = rules.only_app_id)
      and (empty(rules.environments) or has(rules.environments, events.environment))
      and events.event_date >= rules.valid_from
      and (rules.retired_at is null or events.event_at < rules.retired_at)
)

select * from matched_by_name
union all
select * from matched_by_path
