-- Shares of revenue and of orders over all segments sum to 1 (when there is any): a rule
-- about the whole table (singular tests read whole tables, hourly runs too).
with

segments as (

    select
        order_count,
        revenue,
        share_of_orders,
        share_of_revenue
    from {{ ref('mart_aov_by_membership_segment') }}

),

shares_summed as (

    select
        sum(order_count) as order_count,
        sum(revenue) as revenue,
        sum(share_of_orders) as share_of_orders,
        sum(share_of_revenue) as share_of_revenue
    from segments

)

select * from shares_summed
where
    (order_count > 0 and abs(share_of_orders - 1) > 1e-9)
    or (revenue != 0 and abs(share_of_revenue - 1) > 1e-9)
