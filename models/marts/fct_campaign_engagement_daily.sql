{#
    One row per day, campaign, engagement and control group: how often each engagement
    was eligible, shown, accepted, closed and timed out. Every count is of this
    engagement: summing over a campaign's engagements counts a visit once per engagement
    it was eligible for. A campaign's own measures (visits eligible, converted) are in
    fct_campaign_daily.
#}
with

engagement_activities as (

    select
        visit_id,
        campaign_id,
        engagement_key,
        engagement_id,
        activity,
        control_group,
        engagement_channel,
        engagement_type,
        engagement_skill_name,
        visit_date
    from {{ ref('int_liveperson__engagement_activities') }}

),

activities_counted as (

    select
        visit_date,
        campaign_id,
        engagement_key,
        control_group,
        max(engagement_id) as engagement_id,
        max(engagement_channel) as engagement_channel,
        max(engagement_type) as engagement_type,
        max(engagement_skill_name) as engagement_skill_name,
        count(distinct case when activity = 'eligible' then visit_id end)
            as eligible_visit_count,
        count(case when activity = 'show' then 1 end) as impressions_shown_count,
        count(case when activity = 'accept' then 1 end) as impressions_accepted_count,
        count(case when activity = 'close' then 1 end) as impressions_closed_count,
        count(case when activity = 'timeout' then 1 end) as impressions_timed_out_count
    from engagement_activities
    group by visit_date, campaign_id, engagement_key, control_group

),

rates_computed as (

    select
        campaign_id,
        engagement_id,
        engagement_key,
        control_group,
        engagement_channel,
        engagement_type,
        engagement_skill_name,
        eligible_visit_count,
        impressions_shown_count,
        impressions_accepted_count,
        impressions_closed_count,
        impressions_timed_out_count,
        cast(impressions_accepted_count as double)
        / nullif(impressions_shown_count, 0) as accept_rate,
        visit_date
    from activities_counted

)

select * from rates_computed
