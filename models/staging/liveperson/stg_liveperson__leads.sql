-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as lead,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'lead'

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_text('lead', 'leadId') }} as lead_id,
        {{ lp_text('lead', 'topic') }} as lead_topic,
        {{ lp_money('lead', 'value') }} as lead_value,
        reported_at
    from source

)

select * from renamed
