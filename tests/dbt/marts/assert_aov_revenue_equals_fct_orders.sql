-- The AOV mart's orders, orders with a total and revenue per segment equal the sums over
-- fct_orders (customer_segment, at order time), and no order is lost to a segment the
-- mart does not list. Returns what differs.
with

segments as (

    select
        customer_segment,
        order_count,
        orders_with_total_count,
        revenue
    from {{ ref('mart_aov_by_membership_segment') }}

),

orders as (

    select
        customer_segment,
        order_total
    from {{ ref('fct_orders') }}

),

orders_summed as (

    select
        customer_segment,
        count(*) as order_count,
        count(order_total) as orders_with_total_count,
        coalesce(sum(order_total), 0) as revenue
    from orders
    group by customer_segment

),

segments_compared as (

    select
        segments.order_count as mart_order_count,
        orders_summed.order_count as fct_order_count,
        segments.orders_with_total_count as mart_orders_with_total_count,
        orders_summed.orders_with_total_count as fct_orders_with_total_count,
        segments.revenue as mart_revenue,
        orders_summed.revenue as fct_revenue,
        coalesce(segments.customer_segment, orders_summed.customer_segment)
            as customer_segment
    from segments
    full outer join orders_summed
        on segments.customer_segment = orders_summed.customer_segment

)

select * from segments_compared
where
    coalesce(mart_order_count, -1) != coalesce(fct_order_count, 0)
    or coalesce(mart_orders_with_total_count, -1)
    != coalesce(fct_orders_with_total_count, 0)
    or coalesce(mart_revenue, -1) != coalesce(fct_revenue, 0)
