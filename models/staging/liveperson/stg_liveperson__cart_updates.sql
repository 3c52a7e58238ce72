with

source as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        attribute_data as cart,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where attribute_type = 'cart_update'

),

renamed as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        {{ lp_cart_columns('cart') }},
        reported_at
    from source

)

select * from renamed
