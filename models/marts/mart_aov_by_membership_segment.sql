{#
    Are our premium members our heaviest buyers? Average order value by membership
    segment at order time (doc block `aov_metrics`), one row per segment: every tier on
    the membership list, then identified non-members and anonymous buyers, with a row
    even without orders. AOV and median are over the orders whose total is known; the
    95% interval of the mean says how much a small segment's AOV can be trusted.
#}
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

tiers as (

    select
        membership_tier,
        tier_rank
    from {{ ref('int_membership_tiers') }}

),

student_t as (

    select
        degrees_of_freedom,
        t_quantile_975
    from {{ ref('student_t_quantiles') }}

),

segments as (

    -- Tiers the variable does not list share one rank: numbered on from it by name, so
    -- that every segment has its own place.
    select
        membership_tier as customer_segment,
        cast(
            tier_rank - 1 + row_number() over (
                partition by tier_rank order by membership_tier
            ) as int
        ) as segment_sort_order
    from tiers

    union all

    select
        'identified non-member' as customer_segment,
        998 as segment_sort_order

    union all

    select
        'anonymous' as customer_segment,
        999 as segment_sort_order

),

orders_aggregated as (

    select
        customer_segment,
        count(*) as order_count,
        count(order_total) as orders_with_total_count,
        count(distinct customer_id) as customer_count,
        count(distinct visitor_id) as visitor_count,
        sum(order_total) as revenue,
        avg(cast(order_total as double)) as mean_order_total,
        stddev_samp(cast(order_total as double)) as order_value_stddev,
        {{ lp_money_median('order_total') }} as median_order_total
    from orders
    group by customer_segment

),

segments_measured as (

    select
        segments.customer_segment,
        segments.segment_sort_order,
        coalesce(orders_aggregated.order_count, 0) as order_count,
        coalesce(orders_aggregated.orders_with_total_count, 0) as orders_with_total_count,
        coalesce(orders_aggregated.customer_count, 0) as customer_count,
        coalesce(orders_aggregated.visitor_count, 0) as visitor_count,
        coalesce(orders_aggregated.revenue, 0) as revenue,
        orders_aggregated.mean_order_total,
        orders_aggregated.order_value_stddev,
        orders_aggregated.median_order_total
    from segments
    left join orders_aggregated
        on segments.customer_segment = orders_aggregated.customer_segment

),

intervals_computed as (

    -- Student's t for n - 1 degrees of freedom: from the seed up to 299, beyond by its
    -- Cornish-Fisher expansion (below 2e-13 of the exact value there).
    select
        segments_measured.*,
        case
            when segments_measured.orders_with_total_count >= 2
                then coalesce(
                    student_t.t_quantile_975,
                    {{ lp_t_quantile_975('segments_measured.orders_with_total_count - 1') }}
                ) * segments_measured.order_value_stddev
                / sqrt(segments_measured.orders_with_total_count)
        end as mean_margin_95
    from segments_measured
    left join student_t
        on segments_measured.orders_with_total_count - 1 = student_t.degrees_of_freedom

),

shares_computed as (

    select
        customer_segment,
        segment_sort_order,
        '{{ var("currency") }}' as currency,
        order_count,
        orders_with_total_count,
        customer_count,
        visitor_count,
        -- decimal(38, 4) on every engine (Spark sums decimal(18, 4) to decimal(28, 4)).
        cast(revenue as decimal(38, 4)) as revenue,
        cast(
            {{ lp_money_per('revenue', 'orders_with_total_count') }}
            as {{ lp_money_type() }}
        ) as average_order_value,
        cast(round(median_order_total, 2) as {{ lp_money_type() }})
            as median_order_value,
        order_value_stddev,
        mean_order_total - mean_margin_95 as average_order_value_lower_95,
        mean_order_total + mean_margin_95 as average_order_value_upper_95,
        cast(order_count as double)
        / nullif(sum(order_count) over (), 0) as share_of_orders,
        cast(revenue as double)
        / nullif(sum(revenue) over (), 0) as share_of_revenue
    from intervals_computed

)

select * from shares_computed
