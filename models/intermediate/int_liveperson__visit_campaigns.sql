-- depends_on: {{ ref('base_liveperson__web_session_records') }}
{#
    One row per visit and campaign the visit was assessed eligible for: the visit's
    control group for the campaign and whether, after first being assessed eligible,
    the visit achieved the campaign's goal or placed an order. Shared by the
    engagement and lift marts so that both use the same control group and the same
    conversion.
    Incremental (DuckDB; doc block `incremental_downstream`): a run recomputes the
    changed visits, and the visits whose count of orders placed after the first
    assessment is no longer the one held (an order deduplicated across visits may move
    to another visit).
#}
{%- set kept = ref('stg_liveperson__web_sessions') -%}
{%- set incremental = lp_is_incremental() -%}
with

orders as (

    select
        visit_id,
        ordered_at
    from {{ ref('int_liveperson__orders_deduplicated') }}

),

{% if incremental -%}
    held_order_counts as (

        -- The held rows whose order count the current orders would change: only rows
        -- with orders before or now need a look. (The time condition is counted, not
        -- joined on, so that the join stays a hash join.)
        select held.visit_id
        from {{ this }} as held
        left join orders
            on held.visit_id = orders.visit_id
        where held.order_count > 0 or orders.visit_id is not null
        group by held.visit_id, held.campaign_id, held.order_count
        having
            count(
                case
                    when
                        orders.visit_id is not null
                        and (
                            held.first_assessed_at <= orders.ordered_at
                            or held.first_assessed_at is null
                            or orders.ordered_at is null
                        )
                        then 1
                end
            )
            <> held.order_count

    ),

    recomputed_visits as (

        {{ lp_changed_visits() }}
        union
        select visit_id from held_order_counts

    ),

{% endif -%}
sessions as (

    select
        visit_id,
        started_at,
        landed_at
    from {{ kept }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

eligibility as (

    select
        visit_id,
        visitor_id,
        assessment_number,
        eligible_campaign_number,
        campaign_id,
        goal_id,
        control_group_type,
        assessed_at
    from {{ ref('stg_liveperson__campaign_eligibility') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

goals_achieved as (

    select
        visit_id,
        campaign_goal_id,
        achieved_at
    from {{ ref('stg_liveperson__goals_achieved') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

first_assessments_ranked as (

    select
        visit_id,
        visitor_id,
        campaign_id,
        goal_id,
        control_group_type,
        assessed_at,
        row_number() over (
            partition by visit_id, campaign_id
            order by
                assessed_at asc nulls last,
                assessment_number asc,
                eligible_campaign_number asc
        ) as assessment_rank
    from eligibility
    where campaign_id is not null

),

first_assessments as (

    select
        visit_id,
        visitor_id,
        campaign_id,
        goal_id,
        -- The group of the first assessment: the one the visit was in when it could
        -- first have been shown the campaign's engagements.
        coalesce(control_group_type, 'unknown') as control_group,
        assessed_at as first_assessed_at
    from first_assessments_ranked
    where assessment_rank = 1

),

goals_counted as (

    select
        first_assessments.visit_id,
        first_assessments.campaign_id,
        count(*) as goals_achieved_count
    from first_assessments
    inner join goals_achieved
        on
            first_assessments.visit_id = goals_achieved.visit_id
            and first_assessments.goal_id = goals_achieved.campaign_goal_id
    where
        goals_achieved.achieved_at >= first_assessments.first_assessed_at
        or goals_achieved.achieved_at is null
        or first_assessments.first_assessed_at is null
    group by first_assessments.visit_id, first_assessments.campaign_id

),

orders_counted as (

    select
        first_assessments.visit_id,
        first_assessments.campaign_id,
        count(*) as order_count
    from first_assessments
    inner join orders
        on first_assessments.visit_id = orders.visit_id
    where
        orders.ordered_at >= first_assessments.first_assessed_at
        or orders.ordered_at is null
        or first_assessments.first_assessed_at is null
    group by first_assessments.visit_id, first_assessments.campaign_id

),

conversions_joined as (

    select
        first_assessments.visit_id,
        first_assessments.visitor_id,
        first_assessments.campaign_id,
        first_assessments.goal_id,
        first_assessments.control_group,
        coalesce(goals_counted.goals_achieved_count, 0)
            as goals_achieved_count,
        coalesce(orders_counted.order_count, 0) as order_count,
        coalesce(goals_counted.goals_achieved_count, 0) > 0
            as has_achieved_goal,
        coalesce(orders_counted.order_count, 0) > 0 as has_ordered,
        cast(sessions.started_at as date) as visit_date,
        first_assessments.first_assessed_at,
        sessions.landed_at
    from first_assessments
    inner join sessions
        on first_assessments.visit_id = sessions.visit_id
    left join goals_counted
        on
            first_assessments.visit_id = goals_counted.visit_id
            and first_assessments.campaign_id = goals_counted.campaign_id
    left join orders_counted
        on
            first_assessments.visit_id = orders_counted.visit_id
            and first_assessments.campaign_id = orders_counted.campaign_id

)

select * from conversions_joined
