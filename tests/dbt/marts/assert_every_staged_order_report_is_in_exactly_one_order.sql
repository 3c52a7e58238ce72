-- Every order report staging holds (Purchase attributes and PurchaseMetadata goals) is in
-- exactly one order of fct_orders: the orders' report counts add up to the staged
-- reports, every order id reported (trimmed, as the order rules compare it) is in
-- fct_orders exactly once, and fct_orders has no other reported order id. Returns what
-- breaks this.
with

purchases as (

    select order_id
    from {{ ref('stg_liveperson__purchases') }}

),

goals_achieved as (

    select purchase_order_id
    from {{ ref('stg_liveperson__goals_achieved') }}
    where goal_metadata_type = 'purchase'

),

orders as (

    select
        order_id,
        report_count,
        has_reported_order_id
    from {{ ref('fct_orders') }}

),

staged_reports as (

    select {{ lp_order_key('order_id') }} as order_key
    from purchases

    union all

    select {{ lp_order_key('purchase_order_id') }} as order_key
    from goals_achieved

),

staged_order_ids as (

    select distinct order_key as order_id
    from staged_reports
    where order_key is not null

),

reported_orders_counted as (

    select
        order_id,
        count(*) as fct_order_rows
    from orders
    where has_reported_order_id
    group by order_id

),

order_ids_compared as (

    select
        coalesce(staged_order_ids.order_id, reported_orders_counted.order_id)
            as order_id,
        coalesce(reported_orders_counted.fct_order_rows, 0) as fct_order_rows,
        staged_order_ids.order_id is not null as is_staged
    from staged_order_ids
    full outer join reported_orders_counted
        on staged_order_ids.order_id = reported_orders_counted.order_id

),

reports_counted as (

    select
        'report count' as order_id,
        (select sum(orders.report_count) from orders) as fct_order_rows,
        (select sum(orders.report_count) from orders)
        = (select count(*) from staged_reports) as is_staged

)

select * from order_ids_compared
where fct_order_rows != 1 or not is_staged

union all

select * from reports_counted
where not coalesce(is_staged, (select count(*) from staged_reports) = 0)
