-- Orders and revenue add up to the same totals in fct_orders and fct_web_sessions (each
-- order belongs to exactly one visit), and in fct_orders and dim_visitors over the orders
-- of visits with a visitor id (dim_visitors leaves visits without one out). Returns the
-- totals that differ.
with

orders as (

    select
        visitor_id,
        order_total
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
        'all orders' as scope,
        'fct_orders' as model_name,
        count(*) as order_count,
        coalesce(sum(order_total), 0) as revenue
    from orders

    union all

    select
        'all orders' as scope,
        'fct_web_sessions' as model_name,
        coalesce(sum(order_count), 0) as order_count,
        coalesce(sum(revenue), 0) as revenue
    from web_sessions

    union all

    select
        'orders of visitors' as scope,
        'fct_orders' as model_name,
        count(*) as order_count,
        coalesce(sum(order_total), 0) as revenue
    from orders
    where visitor_id is not null

    union all

    select
        'orders of visitors' as scope,
        'dim_visitors' as model_name,
        coalesce(sum(order_count), 0) as order_count,
        coalesce(sum(revenue), 0) as revenue
    from visitors

),

totals_compared as (

    select
        scope,
        model_name,
        order_count,
        revenue,
        min(order_count) over (partition by scope) as lowest_order_count,
        max(order_count) over (partition by scope) as highest_order_count,
        min(revenue) over (partition by scope) as lowest_revenue,
        max(revenue) over (partition by scope) as highest_revenue
    from totals_unioned

)

select * from totals_compared
where
    lowest_order_count != highest_order_count
    or lowest_revenue != highest_revenue
