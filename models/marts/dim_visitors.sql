with

web_sessions as (

    select
        visit_id,
        visitor_id,
        customer_id,
        customer_segment,
        order_count,
        revenue,
        started_at,
        ended_at
    from {{ ref('fct_web_sessions') }}

),

visits_ranked as (

    select
        *,
        row_number() over (
            partition by visitor_id order by started_at desc, visit_id desc
        ) as recency_rank
    from web_sessions

),

latest_visits as (

    -- The latest visit's customer is the visitor's resolved customer: identity is
    -- carried forward from visit to visit (int_liveperson__visit_customers).
    select
        visitor_id,
        customer_id,
        customer_segment
    from visits_ranked
    where recency_rank = 1

),

visits_aggregated as (

    select
        visitor_id,
        count(*) as visit_count,
        count(distinct customer_id) as customer_count,
        sum(order_count) as order_count,
        sum(revenue) as revenue,
        min(started_at) as first_seen_at,
        max(coalesce(ended_at, started_at)) as last_seen_at
    from web_sessions
    group by visitor_id

),

visitors_joined as (

    select
        visits_aggregated.visitor_id,
        latest_visits.customer_id,
        latest_visits.customer_segment,
        visits_aggregated.visit_count,
        visits_aggregated.customer_count,
        visits_aggregated.order_count,
        visits_aggregated.revenue,
        latest_visits.customer_id is not null as is_identified,
        visits_aggregated.first_seen_at,
        visits_aggregated.last_seen_at
    from visits_aggregated
    inner join latest_visits
        on visits_aggregated.visitor_id = latest_visits.visitor_id

)

select * from visitors_joined
