{%- set membership_tiers = var('membership_tiers', ['premium', 'gold', 'standard']) -%}

with

orders as (

    select
        order_id,
        visitor_id,
        customer_id,
        customer_segment,
        order_total
    from {{ ref('fct_orders') }}

),

memberships as (

    select membership_tier
    from {{ ref('int_customer_memberships') }}

),

segments as (

    -- Every segment gets a row, with zero orders when it has none.
    select distinct membership_tier as customer_segment
    from memberships
    where membership_tier is not null

    union all

    select 'identified non-member' as customer_segment

    union all

    select 'anonymous' as customer_segment

),

segments_ordered as (

    -- Tiers in the order of the variable `membership_tiers` (highest first), tiers it
    -- does not list after them, then identified non-members and anonymous buyers.
    select
        customer_segment,
        case customer_segment
            {%- for tier in membership_tiers %}
                when '{{ tier }}' then {{ loop.index }}
            {%- endfor %}
            when 'identified non-member' then 998
            when 'anonymous' then 999
            else 900
        end as segment_sort_order
    from segments

),

orders_aggregated as (

    select
        customer_segment,
        count(*) as order_count,
        count(distinct customer_id) as customer_count,
        count(distinct visitor_id) as visitor_count,
        sum(order_total) as revenue,
        {{ lp_money_median('order_total') }} as median_order_total
    from orders
    group by customer_segment

),

segments_measured as (

    select
        segments_ordered.customer_segment,
        segments_ordered.segment_sort_order,
        coalesce(orders_aggregated.order_count, 0) as order_count,
        coalesce(orders_aggregated.customer_count, 0) as customer_count,
        coalesce(orders_aggregated.visitor_count, 0) as visitor_count,
        coalesce(orders_aggregated.revenue, 0) as revenue,
        orders_aggregated.median_order_total
    from segments_ordered
    left join orders_aggregated
        on segments_ordered.customer_segment = orders_aggregated.customer_segment

),

shares_computed as (

    select
        customer_segment,
        segment_sort_order,
        order_count,
        customer_count,
        visitor_count,
        revenue,
        cast(
            round(revenue / nullif(order_count, 0), 2) as {{ lp_money_type() }}
        ) as average_order_value,
        cast(round(median_order_total, 2) as {{ lp_money_type() }})
            as median_order_value,
        cast(order_count as double)
        / nullif(sum(order_count) over (), 0) as share_of_orders,
        cast(revenue as double)
        / nullif(sum(revenue) over (), 0) as share_of_revenue
    from segments_measured

)

select * from shares_computed
