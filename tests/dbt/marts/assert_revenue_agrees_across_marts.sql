-- Orders and revenue add up to the same totals in fct_orders, fct_web_sessions and
-- dim_visitors (each order belongs to exactly one visit and one visitor).
with

orders as (

    select order_total
    from {{ ref('fct_orders') }}

),

web_sessions as (

    select
        order_count,
        revenue
    from {{ ref('fct_web_sessions') }}

),

visitors as (

    select
        order_count,
        revenue
    from {{ ref('dim_visitors') }}

),

totals_unioned as (

    select
        'fct_orders' as model_name,
        count(*) as order_count,
        coalesce(sum(order_total), 0) as revenue
    from orders

    union all

    select
        'fct_web_sessions' as model_name,
        coalesce(sum(order_count), 0) as order_count,
        coalesce(sum(revenue), 0) as revenue
    from web_sessions

    union all

    select
        'dim_visitors' as model_name,
        coalesce(sum(order_count), 0) as order_count,
        coalesce(sum(revenue), 0) as revenue
    from visitors

),

totals_compared as (

    select
        model_name,
        order_count,
        revenue,
        min(order_count) over () as lowest_order_count,
        max(order_count) over () as highest_order_count,
        min(revenue) over () as lowest_revenue,
        max(revenue) over () as highest_revenue
    from totals_unioned

)

select * from totals_compared
where
    lowest_order_count != highest_order_count
    or lowest_revenue != highest_revenue
