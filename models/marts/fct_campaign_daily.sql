{#
    One row per day, campaign and control group: the campaign's funnel over the visits
    assessed eligible for it that day (reporting time zone), each visit counted once:
    eligible, shown one of the campaign's engagements, accepted one, achieved a goal and
    placed an order from the first assessment on. Additive over days, campaigns and
    control groups.
#}
with

visit_campaigns as (

    select
        visit_id,
        campaign_id,
        control_group,
        has_achieved_goal,
        has_ordered,
        visit_date
    from {{ ref('int_liveperson__visit_campaigns') }}

),

engagement_activities as (

    select
        visit_id,
        campaign_id,
        activity
    from {{ ref('int_liveperson__engagement_activities') }}
    where activity in ('show', 'accept')

),

impressions_per_visit as (

    select
        visit_id,
        campaign_id,
        max(case when activity = 'show' then 1 else 0 end) = 1 as was_shown,
        max(case when activity = 'accept' then 1 else 0 end) = 1 as has_accepted
    from engagement_activities
    group by visit_id, campaign_id

),

visits_joined as (

    select
        visit_campaigns.*,
        coalesce(impressions_per_visit.was_shown, false) as was_shown,
        coalesce(impressions_per_visit.has_accepted, false) as has_accepted
    from visit_campaigns
    left join impressions_per_visit
        on
            visit_campaigns.visit_id = impressions_per_visit.visit_id
            and visit_campaigns.campaign_id = impressions_per_visit.campaign_id

),

funnel_counted as (

    select
        campaign_id,
        control_group,
        count(*) as eligible_visit_count,
        count(case when was_shown then 1 end) as shown_visit_count,
        count(case when has_accepted then 1 end) as accepted_visit_count,
        count(case when has_achieved_goal then 1 end) as goal_achieved_visit_count,
        count(case when has_ordered then 1 end) as ordered_visit_count,
        visit_date
    from visits_joined
    group by visit_date, campaign_id, control_group

)

select * from funnel_counted
