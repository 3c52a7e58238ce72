-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as visitor_error,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'visitor_error'

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_text('visitor_error', 'contextId') }} as error_context_id,
        {{ lp_text('visitor_error', 'message') }} as error_message,
        {{ lp_value('visitor_error', 'code', 'bigint') }} as error_code,
        {{ lp_value('visitor_error', 'level', 'bigint') }} as error_level,
        {{ lp_value('visitor_error', 'resolved', 'boolean') }} as is_resolved,
        reported_at
    from source

)

select * from renamed
