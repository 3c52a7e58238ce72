{#
    One row per visitor and campaign the visitor was assessed eligible for: the control
    group the visitor was assigned (of their first TEST or CONTROL assessment for the
    campaign, else of their first assessment: LivePerson assigns visitors, so a visitor
    belongs to one group per campaign; NA or an unknown group before it, a campaign
    without its control group yet, does not take the visitor out of the experiment),
    whether any of the
    visitor's eligible visits ordered or achieved a goal from its first assessment on,
    and whether the visitor was later seen in the other group. The unit of the lift mart
    and of the metric control_group_lift. A visit without a visitor id is its own visitor.
#}
with

visit_campaigns as (

    select
        visit_id,
        coalesce(visitor_id, visit_id) as visitor_key,
        campaign_id,
        control_group,
        has_ordered,
        has_achieved_goal,
        first_assessed_at,
        started_at,
        visit_date
    from {{ ref('int_liveperson__visit_campaigns') }}

),

assignments_ranked as (

    select
        *,
        row_number() over (
            partition by visitor_key, campaign_id
            order by
                case when control_group in ('TEST', 'CONTROL') then 0 else 1 end asc,
                first_assessed_at asc nulls last,
                started_at asc nulls last,
                visit_id asc
        ) as assessment_rank
    from visit_campaigns

),

visitors_assigned as (

    select
        visitor_key,
        campaign_id,
        max(case when assessment_rank = 1 then control_group end) as control_group,
        count(
            distinct case when control_group in ('TEST', 'CONTROL') then control_group end
        ) > 1 as is_in_both_groups,
        max(case when has_ordered then 1 else 0 end) = 1 as has_ordered,
        max(case when has_achieved_goal then 1 else 0 end) = 1 as has_achieved_goal,
        count(*) as eligible_visit_count,
        max(case when assessment_rank = 1 then visit_date end) as assigned_date,
        min(first_assessed_at) as first_assessed_at
    from assignments_ranked
    group by visitor_key, campaign_id

)

select * from visitors_assigned
