with

source as (

    select * from {{ ref('base_liveperson__engagement_attributes') }}

),

renamed as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        attribute_type,
        attribute_type_name,
        reported_at
    from source

)

select * from renamed
