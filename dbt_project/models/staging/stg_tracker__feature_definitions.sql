with source as (
    select * from {{ source('tracker_control', 'current_feature_definitions') }}
),

renamed as (
    select
        company_id,
        feature_key,
        name as feature_name,
        description as feature_description,
        -- NULL: every application of the company counts.
        app_id as only_app_id,
        event_names,
        -- '' never matches: an empty prefix would make every event a use of the feature.
        coalesce(path_prefix, '') as path_prefix,
        environments,
        valid_from,
        status as feature_status,
        retired_at,
        -- Use counts on days [valid_from, retired_on); 2149-01-01 = not retired.
        coalesce(toDate(retired_at), toDate('2149-01-01')) as retired_on,
        created_at,
        updated_at
    from source
)

select * from renamed
