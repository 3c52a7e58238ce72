{#
    One row per order from every report of it: Purchase engagement attributes
    (repeated now and then) and PurchaseMetadata achieved goals. Which report wins,
    and why, is in the doc block `order_deduplication_rule`.
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
        goal_metadata_type,
        purchase_order_id,
        purchase_total,
        purchase_cart_total,
        purchase_cart_item_count,
        achieved_at
    from {{ ref('stg_liveperson__goals_achieved') }}

),

order_reports as (

    select
        visit_id,
        visitor_id,
        'purchase_attribute' as report_source,
        nullif(trim(order_id), '') as reported_order_id,
        attribute_number as report_number,
        coalesce(purchase_total, cart_total) as order_total,
        cart_item_count as item_count,
        cart_total is not null or cart_item_count is not null as has_cart,
        reported_at
    from purchases

    union all

    select
        visit_id,
        visitor_id,
        'purchase_goal' as report_source,
        nullif(trim(purchase_order_id), '') as reported_order_id,
        goal_achieved_number as report_number,
        coalesce(purchase_total, purchase_cart_total) as order_total,
        purchase_cart_item_count as item_count,
        purchase_cart_total is not null
        or purchase_cart_item_count is not null as has_cart,
        achieved_at as reported_at
    from goals_achieved
    where goal_metadata_type = 'purchase'

),

order_reports_keyed as (

    select
        *,
        -- Reports without an order id cannot be matched across visits: they count as
        -- one order per visit, under a stand-in id that says so.
        coalesce(reported_order_id, 'unidentified:' || visit_id) as order_id
    from order_reports

),

order_reports_ranked as (

    select
        *,
        row_number() over (
            partition by order_id
            order by
                case when report_source = 'purchase_attribute' then 0 else 1 end asc,
                case when has_cart then 0 else 1 end asc,
                reported_at asc nulls last,
                visit_id asc,
                report_number asc
        ) as report_rank,
        count(*) over (partition by order_id) as report_count,
        min(reported_at) over (partition by order_id) as first_reported_at,
        max(case when report_source = 'purchase_attribute' then 1 else 0 end)
            over (partition by order_id)
            as purchase_attribute_reports,
        max(case when report_source = 'purchase_goal' then 1 else 0 end)
            over (partition by order_id)
            as purchase_goal_reports
    from order_reports_keyed

),

winning_reports_selected as (

    select
        order_id,
        visit_id,
        visitor_id,
        report_source as winning_report_source,
        order_total,
        item_count,
        report_count,
        reported_order_id is not null as has_reported_order_id,
        purchase_attribute_reports = 1 as is_reported_as_purchase_attribute,
        purchase_goal_reports = 1 as is_reported_as_purchase_goal,
        coalesce(first_reported_at, reported_at) as ordered_at
    from order_reports_ranked
    where report_rank = 1

)

select * from winning_reports_selected
