{#- A current-state table rebuilt whole on every run: one row per organization is small
    (tens of thousands of rows), so no partitions; tenant first in the sort key. -#}
{{ config(
    materialized='table',
    engine='MergeTree()',
    order_by=['company_id', 'customer_org_id'],
) }}

with activity as (
    select *
    from {{ ref('fct_organization_activity_daily') }}
    where activity_date <= {{ tracker_as_of_date() }}
),

organizations as (
    select
        company_id,
        customer_org_id,
        min(first_event_at) as first_seen_at,
        max(last_event_at) as last_seen_at,
        arraySort(groupUniqArrayArray(app_ids)) as all_app_ids,
        sum(event_count) as total_events,
        count() as total_active_days,
        sumIf(event_count, activity_date > {{ tracker_as_of_date() }} - 28) as events_28d,
        -- The plan label the product sent last ('' if it never sent one).
        argMaxIf(org_plan, last_event_at, org_plan != '') as latest_org_plan
    from activity
    group by company_id, customer_org_id
),

-- One hash table over (organization, user) instead of three distinct counts over every
-- user-day.
users as (
    select
        company_id,
        customer_org_id,
        count() as users,
        countIf(last_active_date > {{ tracker_as_of_date() }} - 7) as active_users_7d,
        countIf(last_active_date > {{ tracker_as_of_date() }} - 28) as active_users_28d
    from (
        select company_id, customer_org_id, user_hash, max(activity_date) as last_active_date
        from {{ ref('int_user_activity_daily') }}
        where activity_date <= {{ tracker_as_of_date() }}
        group by company_id, customer_org_id, user_hash
    )
    group by company_id, customer_org_id
)

select
    organizations.company_id as company_id,
    organizations.customer_org_id as customer_org_id,
    organizations.first_seen_at as first_seen_at,
    organizations.last_seen_at as last_seen_at,
    organizations.all_app_ids as app_ids,
    length(organizations.all_app_ids) as application_count,
    organizations.latest_org_plan as org_plan,
    organizations.total_events as event_count,
    organizations.total_active_days as active_days,
    organizations.events_28d as events_28d,
    users.users as users,
    users.active_users_7d as active_users_7d,
    users.active_users_28d as active_users_28d,
    toUInt32(dateDiff('day', toDate(organizations.last_seen_at), {{ tracker_as_of_date() }})) as days_since_last_seen,
    toBool(organizations.events_28d > 0) as is_active_28d,
    {{ tracker_as_of_date() }} as as_of_date
from organizations
left join users
    on organizations.company_id = users.company_id
    and organizations.customer_org_id = users.customer_org_id
