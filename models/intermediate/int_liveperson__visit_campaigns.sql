{#
    One row per visit and campaign the visit was assessed eligible for: the visit's
    control group for the campaign and whether, after first being assessed eligible,
    the visit achieved the campaign's goal or placed an order. Shared by the
    engagement and lift marts so that both use the same control group and the same
    conversion.
#}
with

sessions as (

    select
        visit_id,
        started_at
    from {{ ref('stg_liveperson__web_sessions') }}

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

),

goals_achieved as (

    select
        visit_id,
        campaign_goal_id,
        achieved_at
    from {{ ref('stg_liveperson__goals_achieved') }}

),

orders as (

    select
        visit_id,
        ordered_at
    from {{ ref('int_liveperson__orders_deduplicated') }}

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
        first_assessments.first_assessed_at
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
