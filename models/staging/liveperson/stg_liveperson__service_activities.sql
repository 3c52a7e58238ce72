-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as service_activity,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'service_activity'

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_text('service_activity', 'serviceId') }} as service_id,
        {{ lp_text('service_activity', 'topic') }} as service_activity_topic,
        {{ lp_text('service_activity', 'category') }} as service_activity_category,
        {{ lp_value('service_activity', 'status', 'integer') }}
            as service_activity_status,
        reported_at
    from source

)

select * from renamed
