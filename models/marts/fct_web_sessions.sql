{#
    One row per visit: who (customer and today's membership segment), where from, on
    what device, what was seen, and what it bought.
    Incremental (DuckDB): a run recomputes the visits the models before it recomputed
    (int_liveperson__visit_customers: the changed visits and every visit of their
    visitors), the visits whose customer's tier changed on the membership list, and the
    visits whose orders changed (an order may move to another visit).
#}
with

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
        membership_tier
    from {{ ref('int_customer_memberships') }}

),

orders_counted as (

    select
        visit_id,
        count(*) as order_count,
        sum(order_total) as revenue
    from {{ ref('fct_orders') }}
    group by visit_id

),

changed_visits as (

    -- On an incremental run, the visits whose kept landing changed since this model's
    -- last run (base_liveperson__visit_changes); all on a full one.
    select
        visit_id,
        coalesce(visitor_id, visit_id) as history_key,
        previous_visitor_id
    from {{ ref('base_liveperson__visit_changes') }}
    {% if is_incremental() -%}
        where changed_at > ({{ lp_last_change_in(this) }})
    {%- endif %}

),

recomputed_visits as (

    -- The changed visits and every visit of their visitors (a visit's customer is
    -- carried from the visitor's earlier visits: int_liveperson__visit_customers).
    select visit_id
    from {{ ref('int_liveperson__visit_customers') }}
    where
        coalesce(visitor_id, visit_id) in (
            select changed_visits.history_key from changed_visits
            union
            select changed_visits.previous_visitor_id from changed_visits
        )
    {% if is_incremental() -%}
        union
        -- A customer's tier changed, or the customer joined or left the list.
        select held.visit_id
        from {{ this }} as held
        left join memberships
            on held.customer_id = memberships.customer_id
        where
            held.customer_id is not null
            and held.current_customer_segment
            <> coalesce(memberships.membership_tier, 'identified non-member')
        union
        -- Orders or revenue no longer the ones held (visits with orders, held or now).
        select coalesce(held.visit_id, orders_counted.visit_id) as visit_id
        from {{ this }} as held
        full outer join orders_counted
            on held.visit_id = orders_counted.visit_id
        where
            (held.order_count > 0 or orders_counted.visit_id is not null)
            and (
                held.visit_id is null
                or held.order_count <> coalesce(orders_counted.order_count, 0)
                or held.revenue <> coalesce(orders_counted.revenue, 0)
            )
    {%- endif %}

),

sessions as (

    select
        visit_id,
        visitor_id,
        started_at,
        ended_at,
        changed_at
    from {{ ref('stg_liveperson__web_sessions') }}
    where visit_id in (select recomputed_visits.visit_id from recomputed_visits)

),

page_views as (

    select
        visit_id,
        page_view_number,
        page_url,
        referrer_url
    from {{ ref('stg_liveperson__page_views') }}

),

session_info as (

    select
        visit_id,
        device_os,
        device_family,
        site_control_group,
        search_engine
    from {{ ref('stg_liveperson__session_info') }}

),

geo as (

    select
        visit_id,
        country,
        country_code,
        state,
        city
    from {{ ref('stg_liveperson__geo') }}

),

visit_campaigns as (

    select visit_id
    from {{ ref('int_liveperson__visit_campaigns') }}

),

impressions as (

    select
        visit_id,
        impression_type
    from {{ ref('stg_liveperson__impressions') }}

),

goals_achieved as (

    select visit_id
    from {{ ref('stg_liveperson__goals_achieved') }}

),

page_views_summarised as (

    select
        visit_id,
        min_by(page_url, page_view_number) as entry_page_url,
        max_by(page_url, page_view_number) as exit_page_url,
        nullif(min_by(referrer_url, page_view_number), '') as referrer_url,
        count(*) as page_view_count
    from page_views
    where visit_id in (select sessions.visit_id from sessions)
    group by visit_id

),

campaigns_counted as (

    select
        visit_id,
        count(*) as campaigns_eligible_count
    from visit_campaigns
    where visit_id in (select sessions.visit_id from sessions)
    group by visit_id

),

impressions_counted as (

    select
        visit_id,
        sum(case when impression_type = 'show' then 1 else 0 end)
            as impressions_shown_count,
        sum(case when impression_type = 'accept' then 1 else 0 end)
            as impressions_accepted_count
    from impressions
    where visit_id in (select sessions.visit_id from sessions)
    group by visit_id

),

goals_counted as (

    select
        visit_id,
        count(*) as goals_achieved_count
    from goals_achieved
    where visit_id in (select sessions.visit_id from sessions)
    group by visit_id

),

-- The visit's facts are joined in three steps: one statement joining all nine at once
-- holds nine hash tables of a million visits together, more than the 1 GB limit. A
-- materialized step (lp_materialized: DuckDB's `as materialized`) is computed whole and
-- its hash tables freed before the next step starts.
sessions_identified as {{ lp_materialized() }} (

    select
        sessions.*,
        visit_customers.customer_id,
        visit_customers.identity_source,
        memberships.membership_tier,
        page_views_summarised.entry_page_url,
        page_views_summarised.exit_page_url,
        page_views_summarised.referrer_url,
        page_views_summarised.page_view_count
    from sessions
    left join visit_customers
        on sessions.visit_id = visit_customers.visit_id
    left join memberships
        on visit_customers.customer_id = memberships.customer_id
    left join page_views_summarised
        on sessions.visit_id = page_views_summarised.visit_id

),

sessions_placed as {{ lp_materialized() }} (

    select
        sessions_identified.*,
        session_info.search_engine,
        session_info.device_family,
        session_info.device_os,
        session_info.site_control_group,
        geo.country,
        geo.country_code,
        geo.state,
        geo.city
    from sessions_identified
    left join session_info
        on sessions_identified.visit_id = session_info.visit_id
    left join geo
        on sessions_identified.visit_id = geo.visit_id

),

sessions_joined as (

    select
        sessions_placed.visit_id,
        sessions_placed.visitor_id,
        sessions_placed.customer_id,
        case
            when sessions_placed.customer_id is null then 'anonymous'
            when sessions_placed.membership_tier is null then 'identified non-member'
            else sessions_placed.membership_tier
        end as current_customer_segment,
        coalesce(sessions_placed.identity_source, 'anonymous') as identity_source,
        sessions_placed.entry_page_url,
        sessions_placed.exit_page_url,
        sessions_placed.referrer_url,
        sessions_placed.search_engine,
        sessions_placed.device_family,
        sessions_placed.device_os,
        sessions_placed.site_control_group,
        sessions_placed.country,
        sessions_placed.country_code,
        sessions_placed.state,
        sessions_placed.city,
        cast(
            {{ dbt.datediff(
                'sessions_placed.started_at', 'sessions_placed.ended_at', 'second'
            ) }}
            as bigint
        ) as duration_seconds,
        coalesce(sessions_placed.page_view_count, 0) as page_view_count,
        coalesce(campaigns_counted.campaigns_eligible_count, 0)
            as campaigns_eligible_count,
        -- Contract types, the same on every engine (DuckDB sums to hugeint, Spark's
        -- sums of decimal(18, 4) are decimal(28, 4)).
        cast(coalesce(impressions_counted.impressions_shown_count, 0) as bigint)
            as impressions_shown_count,
        cast(coalesce(impressions_counted.impressions_accepted_count, 0) as bigint)
            as impressions_accepted_count,
        coalesce(goals_counted.goals_achieved_count, 0) as goals_achieved_count,
        coalesce(orders_counted.order_count, 0) as order_count,
        cast(coalesce(orders_counted.revenue, 0) as decimal(38, 4)) as revenue,
        coalesce(orders_counted.order_count, 0) > 0 as has_order,
        sessions_placed.ended_at is null as is_open,
        {{ lp_reporting_date('sessions_placed.started_at') }} as started_date,
        sessions_placed.started_at,
        sessions_placed.ended_at,
        sessions_placed.changed_at
    from sessions_placed
    left join campaigns_counted
        on sessions_placed.visit_id = campaigns_counted.visit_id
    left join impressions_counted
        on sessions_placed.visit_id = impressions_counted.visit_id
    left join goals_counted
        on sessions_placed.visit_id = goals_counted.visit_id
    left join orders_counted
        on sessions_placed.visit_id = orders_counted.visit_id

)

select * from sessions_joined
