{%- set typed = [] -%}
{#
    Every product line of a kept visit: of purchase carts, cart updates and viewed
    products (engagement attributes) and of purchase goals' cart statuses.
#}
with

changed_visits as (

    -- The visits to recompute: on an incremental run, those whose kept landing changed
    -- since this model's last run (base_liveperson__visit_changes); all on a full one.
    select visit_id
    from {{ ref('base_liveperson__visit_changes') }}
    {% if is_incremental() -%}
        where changed_at > ({{ lp_last_change_in(this) }})
    {%- endif %}

),

attributes as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        attribute_type,
        attribute_json,
        changed_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where
        attribute_type in ('purchase', 'cart_update', 'viewed_product')
        and visit_id in (select changed_visits.visit_id from changed_visits)

),

goals as (

    select
        visit_id,
        visitor_id,
        goal_achieved_number,
        {{ lp_parse_member('metadata_json', 'PurchaseMetadata') }} as metadata,
        changed_at
    from {{ ref('base_liveperson__achieved_goals') }}
    where
        goal_metadata_type = 'purchase'
        and visit_id in (select changed_visits.visit_id from changed_visits)

),

product_lists as (

    select
        visit_id,
        visitor_id,
        case attribute_type
            when 'purchase' then 'purchase_cart'
            when 'cart_update' then 'cart_update'
            when 'viewed_product' then 'viewed_products'
        end as product_list,
        attribute_number,
        cast(null as bigint) as goal_achieved_number,
        case attribute_type
            when 'purchase' then {{ lp_union_value(lp_union_value(
                lp_parse_member('attribute_json', 'Purchase') ~ '.cart'
            ) ~ '.products') }}
            when 'cart_update' then {{ lp_union_value(
                lp_parse_member('attribute_json', 'Cart') ~ '.products'
            ) }}
            else {{ lp_union_value(
                lp_parse_member('attribute_json', 'ViewedProduct') ~ '.products'
            ) }}
        end as products,
        changed_at
    from attributes

    union all

    select
        visit_id,
        visitor_id,
        'goal_purchase_cart' as product_list,
        cast(null as bigint) as attribute_number,
        goal_achieved_number,
        {{ lp_union_value(lp_union_value('metadata.cartStatus') ~ '.products') }}
            as products,
        changed_at
    from goals

),

product_lines as (

    select
        visit_id,
        visitor_id,
        product_list,
        attribute_number,
        goal_achieved_number,
        changed_at,
        {{ lp_unnest('products', 'product_line', 'product_line_number') }}
    from product_lists

),

products as (

    -- Carts list product containers ({quantity, product}); viewed products may list
    -- bare products: either is read.
    select
        *,
        {{ lp_union_value('product_line.product') }} as product
    from product_lines

),

renamed as (

    select
        visit_id,
        visitor_id,
        product_list,
        attribute_number,
        goal_achieved_number,
        product_line_number,
        coalesce(lp_text(product.sku), lp_text(product_line.sku)) as product_sku,
        coalesce(lp_text(product.name), lp_text(product_line.name)) as product_name,
        coalesce(lp_text(product.category), lp_text(product_line.category))
            as product_category,
        {{ lp_typed(typed, 'product_line.quantity', 'integer') }} as quantity,
        coalesce(
            {{ lp_typed(typed, 'product.price', 'amount') }},
            {{ lp_typed(typed, 'product_line.price', 'amount') }}
        ) as product_price,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from products

)

select * from renamed
