-- depends_on: {{ ref('base_liveperson__web_session_records') }}
{#
    What happened with each engagement in each visit, as activities: `eligible` (the
    visit was assessed eligible for a campaign listing the engagement; once per visit)
    and one row per impression event (`show`, `accept`, `close`, `timeout`).
    Engagements are keyed here, in one place (doc block `engagement_key`), and every
    activity carries the visit's control group for the campaign, so
    fct_campaign_engagement_daily only counts.
    Incremental (DuckDB; doc block `incremental_downstream`): every input is about the
    visit alone, so a run recomputes only the changed visits.
#}
{%- set kept = ref('stg_liveperson__web_sessions') -%}
{%- set incremental = lp_is_incremental() -%}
with

{% if incremental -%}
    recomputed_visits as (

        {{ lp_changed_visits() }}

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
        engagement_number,
        campaign_id,
        engagement_id,
        engagement_channel,
        engagement_type,
        engagement_skill_id,
        engagement_skill_name,
        engagement_visitor_behavior_ids
    from {{ ref('stg_liveperson__campaign_eligibility') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

impressions as (

    select
        visit_id,
        impression_number,
        impression_type,
        campaign_id,
        engagement_id,
        engagement_channel,
        engagement_type,
        engagement_skill_id,
        engagement_skill_name,
        engagement_visitor_behavior_ids,
        control_group_type,
        impressed_at
    from {{ ref('stg_liveperson__impressions') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

visit_campaigns as (

    select
        visit_id,
        campaign_id,
        control_group,
        has_achieved_goal
    from {{ ref('int_liveperson__visit_campaigns') }}
    {% if incremental -%}
        where visit_id in (select recomputed_visits.visit_id from recomputed_visits)
    {%- endif %}

),

activities_unioned as (

    select
        visit_id,
        campaign_id,
        engagement_id,
        engagement_channel,
        engagement_type,
        engagement_skill_id,
        engagement_skill_name,
        engagement_visitor_behavior_ids,
        'eligible' as activity,
        cast(null as bigint) as impression_number,
        cast(null as {{ dbt.type_string() }}) as impression_control_group,
        cast(null as timestamp) as activity_at
    from eligibility
    where campaign_id is not null

    union all

    select
        visit_id,
        campaign_id,
        engagement_id,
        engagement_channel,
        engagement_type,
        engagement_skill_id,
        engagement_skill_name,
        engagement_visitor_behavior_ids,
        lower(impression_type) as activity,
        impression_number,
        control_group_type as impression_control_group,
        impressed_at as activity_at
    from impressions

),

engagements_keyed as (

    select
        *,
        case
            when engagement_id is not null
                then 'id:' || cast(engagement_id as {{ dbt.type_string() }})
            when
                engagement_channel is null
                and engagement_type is null
                and engagement_skill_id is null
                and engagement_visitor_behavior_ids is null
                then 'none'
            else concat_ws(
                ':',
                'def',
                engagement_channel,
                engagement_type,
                cast(engagement_skill_id as {{ dbt.type_string() }}),
                cast(engagement_visitor_behavior_ids as {{ dbt.type_string() }})
            )
        end as engagement_key
    from activities_unioned

),

activities_ranked as (

    -- A visit assessed several times lists the same engagement each time: one
    -- `eligible` activity per visit, campaign and engagement. Impression events are
    -- unique already.
    select
        *,
        row_number() over (
            partition by
                visit_id, campaign_id, engagement_key, activity, impression_number
            order by engagement_skill_name
        ) as duplicate_rank
    from engagements_keyed

),

activities_deduplicated as (

    select * from activities_ranked
    where duplicate_rank = 1

),

activities_joined_to_visits as (

    select
        activities_deduplicated.visit_id,
        activities_deduplicated.campaign_id,
        activities_deduplicated.engagement_key,
        activities_deduplicated.engagement_id,
        activities_deduplicated.activity,
        coalesce(
            visit_campaigns.control_group,
            activities_deduplicated.impression_control_group,
            'unknown'
        ) as control_group,
        activities_deduplicated.engagement_channel,
        activities_deduplicated.engagement_type,
        activities_deduplicated.engagement_skill_name,
        activities_deduplicated.impression_number,
        coalesce(visit_campaigns.has_achieved_goal, false) as has_achieved_goal,
        cast(sessions.started_at as date) as visit_date,
        activities_deduplicated.activity_at,
        sessions.landed_at
    from activities_deduplicated
    inner join sessions
        on activities_deduplicated.visit_id = sessions.visit_id
    left join visit_campaigns
        on
            activities_deduplicated.visit_id = visit_campaigns.visit_id
            and activities_deduplicated.campaign_id = visit_campaigns.campaign_id

)

select * from activities_joined_to_visits
