-- depends_on: {{ ref('base_liveperson__web_session_records') }}
{#
    Incremental (DuckDB; doc block `incremental_downstream`): a run recomputes every
    visit of the visitors with a changed visit (identity is carried from visit to
    visit), the visits whose customer's membership tier changed, and the visits whose
    orders changed (an order deduplicated across visits may move to another visit).
#}
{%- set kept = ref('stg_liveperson__web_sessions') -%}
{%- set incremental = lp_is_incremental() -%}
with

memberships as (

    -- Used on incremental runs only: a changed tier recomputes its customer's visits.
    select
        customer_id,
        membership_tier
    from {{ ref('int_customer_memberships') }}

),

orders as (

    select
        visit_id,
        order_total
    from {{ ref('fct_orders') }}

),

orders_counted as (

    select
        visit_id,
        count(*) as order_count,
        sum(order_total) as revenue
    from orders
    group by visit_id

),

{% if incremental -%}
    changed_visitors as (

        {{ lp_changed_visitors() }}

    ),

    recomputed_visits as (

        select kept.visit_id
        from {{ kept }} as kept
        where
            exists (
                select 1
                from changed_visitors
                where changed_visitors.visitor_id is not distinct from kept.visitor_id
            )
        union
        -- A customer's tier changed, or the customer joined or left the list.
        select held.visit_id
        from {{ this }} as held
        left join memberships
            on held.customer_id = memberships.customer_id
        where
            held.customer_id is not null
            and held.customer_segment
            <> coalesce(memberships.membership_tier, 'identified non-member')
        union
        -- Orders or revenue no longer the ones held (visits with orders, held or now).
        select held.visit_id
        from {{ this }} as held
        left join orders_counted
            on held.visit_id = orders_counted.visit_id
        where
            (held.order_count > 0 or orders_counted.visit_id is not null)
            and (
                held.order_count <> coalesce(orders_counted.order_count, 0)
                or held.revenue <> coalesce(orders_counted.revenue, 0)
            )

    ),

{% endif -%}
sessions as (

    select
        visit_id,
        visitor_id,
        started_at,
        ended_at,
        landed_at
    from {{ kept }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

visit_customers as (

    select
        visit_id,
        customer_id,
        identity_source,
        customer_segment
    from {{ ref('int_liveperson__visit_customers') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

page_views as (

    select
        visit_id,
        page_view_number,
        page_url,
        referrer_url
    from {{ ref('stg_liveperson__page_views') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

session_info as (

    select
        visit_id,
        device_os,
        device_family,
        site_control_group,
        search_engine
    from {{ ref('stg_liveperson__session_info') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

geo as (

    select
        visit_id,
        country,
        country_code,
        state,
        city
    from {{ ref('stg_liveperson__geo') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

visit_campaigns as (

    select
        visit_id,
        campaign_id
    from {{ ref('int_liveperson__visit_campaigns') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

impressions as (

    select
        visit_id,
        impression_type
    from {{ ref('stg_liveperson__impressions') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

goals_achieved as (

    select visit_id
    from {{ ref('stg_liveperson__goals_achieved') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

page_views_ranked as (

    select
        visit_id,
        page_url,
        referrer_url,
        row_number() over (
            partition by visit_id order by page_view_number
        ) as position_from_entry,
        row_number() over (
            partition by visit_id order by page_view_number desc
        ) as position_from_exit
    from page_views

),

page_views_summarised as (

    select
        visit_id,
        max(case when position_from_entry = 1 then page_url end) as entry_page_url,
        max(case when position_from_exit = 1 then page_url end) as exit_page_url,
        max(case when position_from_entry = 1 then nullif(referrer_url, '') end)
            as referrer_url,
        count(*) as page_view_count
    from page_views_ranked
    group by visit_id

),

campaigns_counted as (

    select
        visit_id,
        count(*) as campaigns_eligible_count
    from visit_campaigns
    group by visit_id

),

impressions_counted as (

    select
        visit_id,
        sum(case when impression_type = 'Show' then 1 else 0 end)
            as impressions_shown_count,
        sum(case when impression_type = 'Accept' then 1 else 0 end)
            as impressions_accepted_count
    from impressions
    group by visit_id

),

goals_counted as (

    select
        visit_id,
        count(*) as goals_achieved_count
    from goals_achieved
    group by visit_id

),

sessions_joined as (

    select
        sessions.visit_id,
        sessions.visitor_id,
        visit_customers.customer_id,
        visit_customers.customer_segment,
        visit_customers.identity_source,
        page_views_summarised.entry_page_url,
        page_views_summarised.exit_page_url,
        page_views_summarised.referrer_url,
        session_info.search_engine,
        session_info.device_family,
        session_info.device_os,
        session_info.site_control_group,
        geo.country,
        geo.country_code,
        geo.state,
        geo.city,
        {{ dbt.datediff('sessions.started_at', 'sessions.ended_at', 'second') }}
            as duration_seconds,
        coalesce(page_views_summarised.page_view_count, 0) as page_view_count,
        coalesce(campaigns_counted.campaigns_eligible_count, 0)
            as campaigns_eligible_count,
        coalesce(impressions_counted.impressions_shown_count, 0)
            as impressions_shown_count,
        coalesce(impressions_counted.impressions_accepted_count, 0)
            as impressions_accepted_count,
        coalesce(goals_counted.goals_achieved_count, 0) as goals_achieved_count,
        coalesce(orders_counted.order_count, 0) as order_count,
        coalesce(orders_counted.revenue, 0) as revenue,
        coalesce(orders_counted.order_count, 0) > 0 as has_order,
        sessions.ended_at is null as is_open,
        cast(sessions.started_at as date) as started_date,
        sessions.started_at,
        sessions.ended_at,
        sessions.landed_at
    from sessions
    left join visit_customers
        on sessions.visit_id = visit_customers.visit_id
    left join page_views_summarised
        on sessions.visit_id = page_views_summarised.visit_id
    left join session_info
        on sessions.visit_id = session_info.visit_id
    left join geo
        on sessions.visit_id = geo.visit_id
    left join campaigns_counted
        on sessions.visit_id = campaigns_counted.visit_id
    left join impressions_counted
        on sessions.visit_id = impressions_counted.visit_id
    left join goals_counted
        on sessions.visit_id = goals_counted.visit_id
    left join orders_counted
        on sessions.visit_id = orders_counted.visit_id

)

select * from sessions_joined
