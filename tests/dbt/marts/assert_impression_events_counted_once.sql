-- Every impression event of staging is counted once in fct_campaign_engagement_daily
-- and in fct_web_sessions (show and accept), whatever its engagement or control group.
-- Staging lower-cases impression types once; every count compares the same values.
with

impressions as (

    select impression_type
    from {{ ref('stg_liveperson__impressions') }}

),

engagement_days as (

    select
        impressions_shown_count,
        impressions_accepted_count,
        impressions_closed_count,
        impressions_timed_out_count
    from {{ ref('fct_campaign_engagement_daily') }}

),

web_sessions as (

    select
        impressions_shown_count,
        impressions_accepted_count
    from {{ ref('fct_web_sessions') }}

),

staged_counted as (

    select
        sum(case when impression_type = 'show' then 1 else 0 end) as shown_count,
        sum(case when impression_type = 'accept' then 1 else 0 end) as accepted_count,
        sum(case when impression_type = 'close' then 1 else 0 end) as closed_count,
        sum(case when impression_type = 'timeout' then 1 else 0 end) as timed_out_count
    from impressions

),

engagement_days_summed as (

    select
        sum(impressions_shown_count) as shown_count,
        sum(impressions_accepted_count) as accepted_count,
        sum(impressions_closed_count) as closed_count,
        sum(impressions_timed_out_count) as timed_out_count
    from engagement_days

),

web_sessions_summed as (

    select
        sum(impressions_shown_count) as shown_count,
        sum(impressions_accepted_count) as accepted_count
    from web_sessions

),

counts_compared as (

    select
        staged_counted.shown_count as staged_shown_count,
        engagement_days_summed.shown_count as daily_shown_count,
        web_sessions_summed.shown_count as sessions_shown_count,
        staged_counted.accepted_count as staged_accepted_count,
        engagement_days_summed.accepted_count as daily_accepted_count,
        web_sessions_summed.accepted_count as sessions_accepted_count,
        staged_counted.closed_count as staged_closed_count,
        engagement_days_summed.closed_count as daily_closed_count,
        staged_counted.timed_out_count as staged_timed_out_count,
        engagement_days_summed.timed_out_count as daily_timed_out_count
    from staged_counted
    cross join engagement_days_summed
    cross join web_sessions_summed

)

select * from counts_compared
where
    coalesce(staged_shown_count, 0) != coalesce(daily_shown_count, 0)
    or coalesce(staged_shown_count, 0) != coalesce(sessions_shown_count, 0)
    or coalesce(staged_accepted_count, 0) != coalesce(daily_accepted_count, 0)
    or coalesce(staged_accepted_count, 0) != coalesce(sessions_accepted_count, 0)
    or coalesce(staged_closed_count, 0) != coalesce(daily_closed_count, 0)
    or coalesce(staged_timed_out_count, 0) != coalesce(daily_timed_out_count, 0)
