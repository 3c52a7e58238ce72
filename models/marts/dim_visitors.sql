{#
    One row per visitor (a browser or device LivePerson recognises): its visits, orders
    and revenue, and the customer and segment of its latest visit (identity is carried
    forward from visit to visit: int_liveperson__visit_customers).
#}
with

web_sessions as (

    select
        visit_id,
        visitor_id,
        customer_id,
        current_customer_segment,
        order_count,
        revenue,
        started_at,
        ended_at
    from {{ ref('fct_web_sessions') }}
    where visitor_id is not null

),

visits_ranked as (

    -- The latest visit: the latest start, a visit without a start time before any other
    -- (it is outside the visitor's history), then the greatest visit id.
    select
        *,
        row_number() over (
            partition by visitor_id
            order by started_at desc nulls last, visit_id desc
        ) as recency_rank
    from web_sessions

),

visits_aggregated as (

    select
        visitor_id,
        max(case when recency_rank = 1 then customer_id end) as customer_id,
        max(case when recency_rank = 1 then current_customer_segment end)
            as current_customer_segment,
        count(*) as visit_count,
        count(distinct customer_id) as customer_count,
        sum(order_count) as order_count,
        sum(revenue) as revenue,
        min(started_at) as first_seen_at,
        max(coalesce(ended_at, started_at)) as last_seen_at
    from visits_ranked
    group by visitor_id

),

visitors as (

    select
        visitor_id,
        customer_id,
        current_customer_segment,
        visit_count,
        customer_count,
        -- Contract types, the same on every engine (DuckDB sums to hugeint).
        cast(order_count as bigint) as order_count,
        cast(revenue as decimal(38, 4)) as revenue,
        customer_id is not null as is_identified,
        first_seen_at,
        last_seen_at
    from visits_aggregated

)

select * from visitors
