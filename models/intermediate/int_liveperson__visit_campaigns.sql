{#
    One row per visit and campaign the visit was assessed eligible for: the visit's
    control group for the campaign (of its first assessment) and whether, from that
    first assessment on, the visit placed an order or achieved a goal (doc block
    `campaign_visit_conversion`). Shared by the campaign marts.
    Incremental (DuckDB): a run recomputes the changed visits and the visits with orders
    (held or now: an order reported in two visits may move to the other one).
#}
with

orders as (

    select
        visit_id,
        ordered_at
    from {{ ref('int_liveperson__orders') }}

),

recomputed_visits as (

    select visit_id
    from {{ ref('base_liveperson__visit_changes') }}
    {% if is_incremental() -%}
        where changed_at > ({{ lp_last_change_in(this) }})
        union
        select visit_id from orders
        union
        select held.visit_id
        from {{ this }} as held
        where held.has_ordered
    {%- endif %}

),

sessions as (

    select
        visit_id,
        visitor_id,
        started_at,
        changed_at
    from {{ ref('stg_liveperson__web_sessions') }}
    where visit_id in (select recomputed_visits.visit_id from recomputed_visits)

),

eligibility as (

    select
        visit_id,
        assessment_number,
        eligible_campaign_number,
        campaign_id,
        control_group_type,
        assessed_at
    from {{ ref('stg_liveperson__campaign_eligibility') }}
    where campaign_id is not null

),

goals_achieved as (

    select
        visit_id,
        achieved_at
    from {{ ref('stg_liveperson__goals_achieved') }}

),

first_assessments_ranked as (

    select
        eligibility.*,
        sessions.visitor_id,
        sessions.started_at,
        sessions.changed_at,
        row_number() over (
            partition by eligibility.visit_id, eligibility.campaign_id
            order by
                eligibility.assessed_at asc nulls last,
                eligibility.assessment_number asc,
                eligibility.eligible_campaign_number asc
        ) as assessment_rank
    from eligibility
    inner join sessions
        on eligibility.visit_id = sessions.visit_id

),

first_assessments as (

    select
        visit_id,
        visitor_id,
        campaign_id,
        -- The group of the first assessment: the one the visit was in when it could
        -- first have been shown the campaign's engagements.
        coalesce(control_group_type, 'unknown') as control_group,
        assessed_at as first_assessed_at,
        started_at,
        changed_at
    from first_assessments_ranked
    where assessment_rank = 1

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

goals_counted as (

    select
        first_assessments.visit_id,
        first_assessments.campaign_id,
        count(*) as goals_achieved_count
    from first_assessments
    inner join goals_achieved
        on first_assessments.visit_id = goals_achieved.visit_id
    where
        goals_achieved.achieved_at >= first_assessments.first_assessed_at
        or goals_achieved.achieved_at is null
        or first_assessments.first_assessed_at is null
    group by first_assessments.visit_id, first_assessments.campaign_id

),

conversions_joined as (

    select
        first_assessments.visit_id,
        first_assessments.visitor_id,
        first_assessments.campaign_id,
        first_assessments.control_group,
        coalesce(orders_counted.order_count, 0) as order_count,
        coalesce(goals_counted.goals_achieved_count, 0) as goals_achieved_count,
        coalesce(orders_counted.order_count, 0) > 0 as has_ordered,
        coalesce(goals_counted.goals_achieved_count, 0) > 0 as has_achieved_goal,
        {{ lp_reporting_date('first_assessments.started_at') }} as visit_date,
        first_assessments.first_assessed_at,
        first_assessments.started_at,
        first_assessments.changed_at
    from first_assessments
    left join orders_counted
        on
            first_assessments.visit_id = orders_counted.visit_id
            and first_assessments.campaign_id = orders_counted.campaign_id
    left join goals_counted
        on
            first_assessments.visit_id = goals_counted.visit_id
            and first_assessments.campaign_id = goals_counted.campaign_id

)

select * from conversions_joined
