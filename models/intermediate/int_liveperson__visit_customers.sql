-- depends_on: {{ ref('base_liveperson__web_session_records') }}
{#
    Identity resolution, one row per visit: the customer identified in the visit
    itself, else the one identified in the visitor's latest earlier visit that had one
    (rule and reasons in the doc block `visit_customer_rule`).
    Incremental (DuckDB; doc block `incremental_downstream`): a run recomputes every
    visit of the visitors with a changed visit (a visit's identity depends on the
    visitor's earlier visits), and the visits whose customer's membership tier changed.
#}
{%- set kept = ref('stg_liveperson__web_sessions') -%}
{%- set incremental = lp_is_incremental() -%}
with

memberships as (

    select
        customer_id,
        membership_tier
    from {{ ref('int_customer_memberships') }}

),

{% if incremental -%}
    changed_visitors as (

        {{ lp_changed_visitors() }}

    ),

    recomputed_visitors as (

        select changed_visitors.visitor_id from changed_visitors
        union
        -- The membership list is a snapshot: a tier changed, added or removed
        -- changes the segment of the visits resolved to that customer.
        select held.visitor_id
        from {{ this }} as held
        left join memberships
            on held.customer_id = memberships.customer_id
        where
            held.customer_id is not null
            and held.membership_tier is distinct from memberships.membership_tier

    ),

{% endif -%}
sessions as (

    select
        visit_id,
        visitor_id,
        started_at,
        landed_at
    from {{ kept }} as kept
    {% if incremental -%}
        where exists (
            select 1
            from recomputed_visitors
            where recomputed_visitors.visitor_id is not distinct from kept.visitor_id
        )
    {%- endif %}

),

customer_info as (

    select
        visit_id,
        attribute_number,
        customer_id,
        reported_at
    from {{ ref('stg_liveperson__customer_info') }}
    {% if incremental -%}
        where visit_id in (select sessions.visit_id from sessions)
    {%- endif %}

),

identifications as (

    select
        visit_id,
        attribute_number,
        trim(customer_id) as customer_id,
        reported_at
    from customer_info
    where trim(customer_id) <> ''

),

identifications_ranked_in_visit as (

    select
        visit_id,
        customer_id,
        row_number() over (
            partition by visit_id
            order by reported_at desc nulls last, attribute_number desc
        ) as recency_rank
    from identifications

),

customer_counts_per_visit as (

    select
        visit_id,
        count(distinct customer_id) as identified_customer_count
    from identifications
    group by visit_id

),

sessions_joined_to_identifications as (

    select
        sessions.visit_id,
        sessions.visitor_id,
        identifications_ranked_in_visit.customer_id as visit_customer_id,
        coalesce(customer_counts_per_visit.identified_customer_count, 0)
            as identified_customer_count,
        sessions.started_at,
        sessions.landed_at
    from sessions
    left join identifications_ranked_in_visit
        on
            sessions.visit_id = identifications_ranked_in_visit.visit_id
            and identifications_ranked_in_visit.recency_rank = 1
    left join customer_counts_per_visit
        on sessions.visit_id = customer_counts_per_visit.visit_id

),

earlier_identifications_carried_forward as (

    select
        *,
        {{ lp_last_value_ignoring_nulls('visit_customer_id') }} over (
            partition by visitor_id
            order by started_at, visit_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_customer_id,
        {{ lp_last_value_ignoring_nulls(
            'case when visit_customer_id is not null then visit_id end'
        ) }} over (
            partition by visitor_id
            order by started_at, visit_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_identifying_visit_id
    from sessions_joined_to_identifications

),

customers_resolved as (

    select
        visit_id,
        visitor_id,
        coalesce(visit_customer_id, earlier_customer_id) as customer_id,
        case
            when visit_customer_id is not null then visit_id
            else earlier_identifying_visit_id
        end as identifying_visit_id,
        case
            when visit_customer_id is not null then 'same_visit'
            when earlier_customer_id is not null then 'earlier_visit'
            else 'anonymous'
        end as identity_source,
        identified_customer_count,
        started_at,
        landed_at
    from earlier_identifications_carried_forward

),

customers_joined_to_memberships as (

    select
        customers_resolved.visit_id,
        customers_resolved.visitor_id,
        customers_resolved.customer_id,
        customers_resolved.identifying_visit_id,
        customers_resolved.identity_source,
        memberships.membership_tier,
        case
            when customers_resolved.customer_id is null then 'anonymous'
            when memberships.membership_tier is null then 'identified non-member'
            else memberships.membership_tier
        end as customer_segment,
        customers_resolved.identified_customer_count,
        customers_resolved.started_at,
        customers_resolved.landed_at
    from customers_resolved
    left join memberships
        on customers_resolved.customer_id = memberships.customer_id

)

select * from customers_joined_to_memberships
