-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as cart,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'cart_update'

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_cart_columns('cart') }},
        reported_at
    from source

)

select * from renamed
