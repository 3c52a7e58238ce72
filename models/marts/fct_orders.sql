with

orders as (

    select
        order_id,
        visit_id,
        visitor_id,
        winning_report_source,
        order_total,
        item_count,
        report_count,
        has_reported_order_id,
        is_reported_as_purchase_attribute,
        is_reported_as_purchase_goal,
        ordered_at
    from {{ ref('int_liveperson__orders_deduplicated') }}

),

visit_customers as (

    select
        visit_id,
        customer_id,
        identity_source,
        membership_tier,
        customer_segment
    from {{ ref('int_liveperson__visit_customers') }}

),

orders_joined_to_customers as (

    select
        orders.order_id,
        orders.visit_id,
        orders.visitor_id,
        visit_customers.customer_id,
        visit_customers.membership_tier,
        coalesce(visit_customers.customer_segment, 'anonymous') as customer_segment,
        coalesce(visit_customers.identity_source, 'anonymous') as identity_source,
        orders.winning_report_source,
        orders.order_total,
        orders.item_count,
        orders.report_count,
        orders.has_reported_order_id,
        orders.is_reported_as_purchase_attribute,
        orders.is_reported_as_purchase_goal,
        cast(orders.ordered_at as date) as ordered_date,
        orders.ordered_at
    from orders
    left join visit_customers
        on orders.visit_id = visit_customers.visit_id

)

select * from orders_joined_to_customers
