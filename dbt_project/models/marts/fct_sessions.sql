{{ config(
    engine='MergeTree()',
    partition_by='session_start_date',
    order_by=['company_id', 'app_id', 'customer_org_id', 'session_start_date', 'session_id'],
) }}

{%- set timeout_ms = var('tracker__session_timeout_minutes') * 60 * 1000 -%}
{%- set lookback = var('tracker__session_lookback_days') -%}

-- Rebuilds the sessions that started in the run's range and the lookback days before it
-- (a session that crossed midnight into the range picks up its later events). Events are
-- read one day further on each side, to see where those sessions began and ended.
with events as (
    select
        company_id, app_id, customer_org_id, user_hash, client_session_id,
        event_id, event_name, event_at, path
    from {{ ref('stg_tracker__events') }}
    where event_date between {{ tracker_range_start(lookback + 1) }} and {{ tracker_range_end(1) }}
),

-- The client's own session id wins: it knows about tabs, logins and app restarts.
client_session_events as (
    select
        company_id, app_id, customer_org_id, user_hash, event_id, event_name, event_at, path,
        'client' as session_source,
        client_session_id as session_id
    from events
    where client_session_id != ''
),

-- Otherwise an identified user's events form one session until a gap longer than the
-- timeout. Anonymous events without a client session id belong to no session.
gaps as (
    select
        *,
        lagInFrame(event_at, 1, toDateTime64(0, 3, 'UTC')) over (
            partition by company_id, app_id, customer_org_id, user_hash
            order by event_at, event_id
            rows between 1 preceding and current row
        ) as previous_event_at
    from events
    where client_session_id = '' and user_hash != ''
),

numbered as (
    select
        *,
        sum(toUInt64(dateDiff('millisecond', previous_event_at, event_at) > {{ timeout_ms }})) over (
            partition by company_id, app_id, customer_org_id, user_hash
            order by event_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from gaps
),

inferred_session_events as (
    select
        company_id, app_id, customer_org_id, user_hash, event_id, event_name, event_at, path,
        'inferred' as session_source,
        -- Named after the session's first event: stable across rebuilds.
        concat('auto-', toString(first_value(event_id) over (
            partition by company_id, app_id, customer_org_id, user_hash, session_number
            order by event_at, event_id
            rows between unbounded preceding and current row
        ))) as session_id
    from numbered
),

session_events as (
    select * from client_session_events
    union all
    select * from inferred_session_events
),

event_features as (
    select app_id, event_id, groupArray(feature_key) as feature_keys
    from {{ ref('int_events_matched_to_features') }}
    where event_date between {{ tracker_range_start(lookback + 1) }} and {{ tracker_range_end(1) }}
    group by app_id, event_id
),

sessions as (
    select
        session_events.company_id as company_id,
        session_events.app_id as app_id,
        session_events.customer_org_id as customer_org_id,
        session_events.session_id as session_id,
        any(session_events.session_source) as session_source,
        -- The last identified user: a session may start anonymous and log in.
        argMaxIf(session_events.user_hash, session_events.event_at, session_events.user_hash != '') as user_hash,
        min(session_events.event_at) as session_started_at,
        max(session_events.event_at) as session_ended_at,
        count() as event_count,
        -- (time, path) of every event with a path, in order: entry, exit and the distinct
        -- paths in the order first visited (at most 50). '' when no event had a path.
        arraySort(groupArrayIf((session_events.event_at, session_events.path), session_events.path != '')) as visits,
        visits[1].2 as entry_path,
        visits[-1].2 as exit_path,
        arrayDistinct(arrayMap(visit -> visit.2, visits)) as distinct_paths,
        length(distinct_paths) as path_count,
        arraySlice(distinct_paths, 1, 50) as paths,
        arraySort(arrayDistinct(arrayFlatten(
            groupArrayIf(event_features.feature_keys, notEmpty(event_features.feature_keys))
        ))) as feature_keys
    from session_events
    left join event_features
        on session_events.app_id = event_features.app_id and session_events.event_id = event_features.event_id
    group by company_id, app_id, customer_org_id, session_id
)

select
    company_id,
    app_id,
    customer_org_id,
    session_id,
    session_source,
    user_hash,
    session_started_at,
    session_ended_at,
    toDate(session_started_at) as session_start_date,
    toUInt32(dateDiff('second', session_started_at, session_ended_at)) as duration_seconds,
    event_count,
    entry_path,
    exit_path,
    path_count,
    paths,
    feature_keys,
    length(feature_keys) as feature_count
from sessions
where session_start_date between {{ tracker_range_start(lookback) }} and {{ tracker_range_end() }}
