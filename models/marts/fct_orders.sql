{#
    One row per order (int_liveperson__orders: the order rules), with who placed it: the
    customer of the order's visit and that customer's membership segment at order time
    (the headline: an order placed before member_since is a non-member's) and today.
#}
with

orders as (

    select
        order_id,
        visit_id,
        visitor_id,
        order_total,
        order_total_source,
        item_count,
        report_count,
        has_reported_order_id,
        is_reported_as_purchase_attribute,
        is_reported_as_purchase_goal,
        ordered_at
    from {{ ref('int_liveperson__orders') }}

),

visit_customers as (

    select
        visit_id,
        customer_id,
        identity_source
    from {{ ref('int_liveperson__visit_customers') }}

),

memberships as (

    select
        customer_id,
        membership_tier,
        member_since
    from {{ ref('int_customer_memberships') }}

),

orders_joined_to_customers as (

    select
        orders.*,
        visit_customers.customer_id,
        coalesce(visit_customers.identity_source, 'anonymous') as identity_source,
        memberships.membership_tier,
        memberships.member_since,
        {{ lp_reporting_date('orders.ordered_at') }} as ordered_date
    from orders
    left join visit_customers
        on orders.visit_id = visit_customers.visit_id
    left join memberships
        on visit_customers.customer_id = memberships.customer_id

),

segments_assigned as (

    select
        order_id,
        visit_id,
        visitor_id,
        customer_id,
        case
            when customer_id is null then 'anonymous'
            when membership_tier is null then 'identified non-member'
            -- Placed before the customer became a member: a non-member's order. An
            -- order or a membership without a date counts as a member's.
            when ordered_date < member_since then 'identified non-member'
            else membership_tier
        end as customer_segment,
        case
            when customer_id is null then 'anonymous'
            when membership_tier is null then 'identified non-member'
            else membership_tier
        end as current_customer_segment,
        membership_tier,
        identity_source,
        order_total_source,
        '{{ var("currency") }}' as currency,
        order_total,
        item_count,
        report_count,
        order_total is not null as has_order_total,
        has_reported_order_id,
        is_reported_as_purchase_attribute,
        is_reported_as_purchase_goal,
        ordered_date,
        ordered_at
    from orders_joined_to_customers

)

select * from segments_assigned
