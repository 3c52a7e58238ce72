{%- set typed = [] -%}
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

source as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        {{ lp_parse_member('attribute_json', 'Purchase') }} as purchase,
        reported_time,
        changed_at
    from {{ ref('base_liveperson__engagement_attributes') }}
    where
        attribute_type = 'purchase'
        and visit_id in (select changed_visits.visit_id from changed_visits)

),

carts as (

    select
        *,
        {{ lp_union_value('purchase.cart') }} as cart
    from source

),

renamed as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        lp_text(purchase.orderId) as order_id,
        {{ lp_typed(typed, 'purchase.total', 'amount') }} as purchase_total,
        {{ lp_cart_columns(typed, 'cart') }},
        lp_time(reported_time) as reported_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from carts

)

select * from renamed
