-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select * from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }}

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_type,
        attribute_type_name,
        reported_at
    from source

)

select * from renamed
