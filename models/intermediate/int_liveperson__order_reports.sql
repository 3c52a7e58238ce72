{#
    Every report of an order, one row each: Purchase engagement attributes and
    PurchaseMetadata achieved goals of the kept visits, with what the order rules (doc
    block `order_rules`) compare: the order id as compared (trimmed; empty is none), the
    report's amount (its total, else its cart's total) and its place in report order.
#}
with

purchases as (

    select
        visit_id,
        visitor_id,
        attribute_number,
        order_id,
        purchase_total,
        cart_total,
        cart_item_count,
        reported_at
    from {{ ref('stg_liveperson__purchases') }}

),

goals_achieved as (

    select
        visit_id,
        visitor_id,
        goal_achieved_number,
        purchase_order_id,
        purchase_total,
        purchase_cart_total,
        purchase_cart_item_count,
        achieved_at
    from {{ ref('stg_liveperson__goals_achieved') }}
    where goal_metadata_type = 'purchase'

),

reports_unioned as (

    select
        visit_id,
        visitor_id,
        'purchase_attribute' as report_source,
        attribute_number as report_number,
        {{ lp_order_key('order_id') }} as order_key,
        purchase_total,
        cart_total,
        -- A negative item count is no count.
        case when cart_item_count >= 0 then cart_item_count end as item_count,
        reported_at
    from purchases

    union all

    select
        visit_id,
        visitor_id,
        'purchase_goal' as report_source,
        goal_achieved_number as report_number,
        {{ lp_order_key('purchase_order_id') }} as order_key,
        purchase_total,
        purchase_cart_total as cart_total,
        case
            when purchase_cart_item_count >= 0 then purchase_cart_item_count
        end as item_count,
        achieved_at as reported_at
    from goals_achieved

),

reports_ordered as (

    select
        *,
        coalesce(purchase_total, cart_total) as report_amount,
        -- Where the amount comes from, in the precedence an order's total follows.
        case
            when purchase_total is not null and report_source = 'purchase_attribute'
                then 'purchase_total'
            when purchase_total is not null then 'goal_total'
            when cart_total is not null and report_source = 'purchase_attribute'
                then 'purchase_cart_total'
            when cart_total is not null then 'goal_cart_total'
        end as amount_source,
        -- Report order: the earliest first (unknown times last), attributes before
        -- goals, then by position in the visit and visit id.
        row_number() over (
            order by
                reported_at asc nulls last,
                case report_source when 'purchase_attribute' then 0 else 1 end,
                report_number asc,
                visit_id asc
        ) as report_sequence
    from reports_unioned

)

select * from reports_ordered
