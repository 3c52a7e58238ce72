{#
    Identity resolution, one row per visit: the customer identified in the visit itself,
    else the one identified in the visitor's latest earlier visit that had one (rule in
    the doc block `visit_customer_rule`). Customer ids are keys (lp_customer_key).
    Incremental (DuckDB): a visit's customer depends on the visitor's earlier visits, so a
    run recomputes every visit of each visitor with a changed visit (the visitor the
    visit has now and the one it had: a visit landed again may name another visitor).
#}
with

changed_histories as (

    -- A visitor's visits are one history; a visit without a visitor id is its own.
    select coalesce(visitor_id, visit_id) as history_key
    from {{ ref('base_liveperson__visit_changes') }}
    {% if is_incremental() -%}
        where changed_at > ({{ lp_last_change_in(this) }})
    {%- endif %}
    union
    select previous_visitor_id as history_key
    from {{ ref('base_liveperson__visit_changes') }}
    where
        previous_visitor_id is not null
        {% if is_incremental() -%}
            and changed_at > ({{ lp_last_change_in(this) }})
        {%- endif %}

),

sessions as (

    select
        visit_id,
        visitor_id,
        coalesce(visitor_id, visit_id) as history_key,
        started_at,
        changed_at
    from {{ ref('stg_liveperson__web_sessions') }}
    where
        coalesce(visitor_id, visit_id)
        in (select changed_histories.history_key from changed_histories)

),

customer_info as (

    select
        visit_id,
        attribute_number,
        customer_id,
        reported_at
    from {{ ref('stg_liveperson__customer_info') }}
    where visit_id in (select sessions.visit_id from sessions)

),

identifications as (

    select
        visit_id,
        attribute_number,
        {{ lp_customer_key('customer_id') }} as customer_id,
        reported_at
    from customer_info

),

identifications_ranked_in_visit as (

    -- The customer reported last in the visit wins: the one logged in at checkout.
    select
        visit_id,
        customer_id,
        row_number() over (
            partition by visit_id
            order by reported_at desc nulls last, attribute_number desc
        ) as recency_rank
    from identifications
    where customer_id is not null

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
        sessions.history_key,
        identifications_ranked_in_visit.customer_id as visit_customer_id,
        coalesce(customer_counts_per_visit.identified_customer_count, 0)
            as identified_customer_count,
        sessions.started_at,
        sessions.changed_at
    from sessions
    left join identifications_ranked_in_visit
        on
            sessions.visit_id = identifications_ranked_in_visit.visit_id
            and identifications_ranked_in_visit.recency_rank = 1
    left join customer_counts_per_visit
        on sessions.visit_id = customer_counts_per_visit.visit_id

),

earlier_identifications_carried_forward as (

    -- A visit without a start time is outside the visitor's history: it neither takes
    -- nor gives a customer (its own identification still counts for itself).
    select
        *,
        {{ lp_last_value_ignoring_nulls('visit_customer_id') }} over (
            partition by history_key, started_at is null
            order by started_at, visit_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_customer_id,
        {{ lp_last_value_ignoring_nulls(
            'case when visit_customer_id is not null then visit_id end'
        ) }} over (
            partition by history_key, started_at is null
            order by started_at, visit_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_identifying_visit_id
    from sessions_joined_to_identifications

),

customers_resolved as (

    select
        visit_id,
        visitor_id,
        coalesce(
            visit_customer_id,
            case when started_at is not null then earlier_customer_id end
        ) as customer_id,
        case
            when visit_customer_id is not null then visit_id
            when started_at is not null then earlier_identifying_visit_id
        end as identifying_visit_id,
        case
            when visit_customer_id is not null then 'same_visit'
            when started_at is not null and earlier_customer_id is not null
                then 'earlier_visit'
            else 'anonymous'
        end as identity_source,
        identified_customer_count,
        started_at,
        changed_at
    from earlier_identifications_carried_forward

)

select * from customers_resolved
