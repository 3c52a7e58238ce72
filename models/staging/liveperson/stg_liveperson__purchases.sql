-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_data as purchase,
        reported_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where {{ lp_only_changed_visits() }} and attribute_type = 'purchase'

),

carts as (

    select
        *,
        {{ lp_field('purchase', 'cart') }} as cart
    from source

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        {{ lp_text('purchase', 'orderId') }} as order_id,
        {{ lp_money('purchase', 'total') }} as purchase_total,
        {{ lp_cart_columns('cart') }},
        reported_at
    from carts

)

select * from renamed
