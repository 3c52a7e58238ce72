-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

attributes as (

    select
        visit_id,
        landed_at,
        visitor_id,
        attribute_number,
        attribute_type,
        attribute_data
    from {{ ref('base_liveperson__engagement_attributes') }}
    where
        {{ lp_only_changed_visits() }}
        and attribute_type in ('purchase', 'cart_update', 'viewed_product')

),

goals as (

    select
        visit_id,
        landed_at,
        visitor_id,
        goal_achieved_number,
        goal_metadata
    from {{ ref('base_liveperson__achieved_goals') }}
    where {{ lp_only_changed_visits() }} and goal_metadata_type = 'purchase'

),

product_lists as (

    select
        visit_id,
        landed_at,
        visitor_id,
        case attribute_type
            when 'purchase' then 'purchase_cart'
            when 'cart_update' then 'cart_update'
            when 'viewed_product' then 'viewed_products'
        end as product_list,
        attribute_number,
        cast(null as bigint) as goal_achieved_number,
        case attribute_type
            when 'purchase' then {{ lp_items('attribute_data', 'cart.products') }}
            else {{ lp_items('attribute_data', 'products') }}
        end as product_items
    from attributes

    union all

    select
        visit_id,
        landed_at,
        visitor_id,
        'goal_purchase_cart' as product_list,
        cast(null as bigint) as attribute_number,
        goal_achieved_number,
        {{ lp_items('goal_metadata', 'cartStatus.products') }} as product_items
    from goals

),

unnested as (

    select
        visit_id,
        landed_at,
        visitor_id,
        product_list,
        attribute_number,
        goal_achieved_number,
        {{ lp_unnest('product_items', 'product_line', 'product_line_number') }}
    from product_lists

),

products as (

    -- Carts list product containers ({quantity, product}); viewed products may list
    -- bare products: either is read.
    select
        *,
        {{ lp_value('product_line', 'quantity', 'integer') }} as quantity,
        coalesce(
            {{ lp_field('product_line', 'product') }}, {{ lp_field('product_line') }}
        ) as product
    from unnested

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        product_list,
        attribute_number,
        goal_achieved_number,
        product_line_number,
        {{ lp_text('product', 'sku') }} as product_sku,
        {{ lp_text('product', 'name') }} as product_name,
        {{ lp_text('product', 'category') }} as product_category,
        quantity,
        {{ lp_money('product', 'price') }} as product_price
    from products

)

select * from renamed
