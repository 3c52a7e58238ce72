-- Every order id the site reported (Purchase attribute or PurchaseMetadata goal) is in
-- fct_orders exactly once, and fct_orders has no other reported order id. Returns the
-- order ids that break this, with how often fct_orders has them.
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

    select order_id
    from {{ ref('fct_orders') }}
    where has_reported_order_id

),

staged_order_ids as (

    select distinct trim(order_id) as order_id
    from purchases
    where trim(order_id) != ''

    union all

    select distinct trim(purchase_order_id) as order_id
    from goals_achieved
    where trim(purchase_order_id) != ''

),

staged_order_ids_deduplicated as (

    select distinct order_id
    from staged_order_ids

),

orders_counted as (

    select
        order_id,
        count(*) as fct_order_rows
    from orders
    group by order_id

),

order_ids_compared as (

    select
        coalesce(staged_order_ids_deduplicated.order_id, orders_counted.order_id)
            as order_id,
        coalesce(orders_counted.fct_order_rows, 0) as fct_order_rows,
        staged_order_ids_deduplicated.order_id is not null as is_staged
    from staged_order_ids_deduplicated
    full outer join orders_counted
        on staged_order_ids_deduplicated.order_id = orders_counted.order_id

)

select * from order_ids_compared
where fct_order_rows != 1 or not is_staged
