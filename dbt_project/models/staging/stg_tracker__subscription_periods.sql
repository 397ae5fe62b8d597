with source as (
    select * from {{ source('tracker_control', 'subscription_periods') }}
),

renamed as (
    select
        company_id,
        period_id,
        plan_key,
        status as subscription_status,
        list_price,
        currency,
        events_per_month as events_limit,
        max_applications as applications_limit,
        retention_days,
        overage_price_per_1000,
        feature_flags,
        grace_days,
        overrides,
        trial_ends_at,
        valid_from,
        valid_to
    from source
)

select * from renamed
