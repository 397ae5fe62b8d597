with source as (
    select * from {{ source('tracker_control', 'current_plans') }}
),

renamed as (
    select
        plan_key,
        name as plan_name,
        list_price,
        currency,
        events_per_month as events_limit,
        max_applications as applications_limit,
        retention_days,
        overage_price_per_1000,
        feature_flags,
        trial_days,
        toBool(trial_days is not null) as is_trial,
        grace_days,
        sort_order,
        status as plan_status,
        -- The cast: a LowCardinality comparison would give LowCardinality(Bool), which ClickHouse
        -- refuses to store (dbt unit tests materialise their inputs).
        toBool(cast(status, 'String') = 'active') as is_active,
        updated_at
    from source
)

select * from renamed
