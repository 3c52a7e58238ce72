{#
    What happened with each engagement in each visit, as activities: `eligible` (the
    visit was assessed eligible for a campaign listing the engagement; once per visit)
    and one row per impression event (`show`, `accept`, `close`, `timeout`). Engagements
    are keyed here, in one place (doc block `engagement_key`), and every activity
    carries the visit's control group for the campaign.
    Incremental (DuckDB): every input is about the visit alone: a run recomputes the
    changed visits.
#}
with

changed_visits as (

    -- The visits to recompute: on an incremental run, those whose kept landing changed
    -- since this model's last run (base_liveperson__visit_changes); all on a full one.
    select visit_id
    from {{ ref('base_liveperson__visit_changes') }}
    {% if is_incremental() -%}
        where changed_at > ({{ lp_last_change_in(this) }})
    {%- endif %}

),

sessions as (

    select
        visit_id,
        started_at,
        changed_at
    from {{ ref('stg_liveperson__web_sessions') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

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
    where campaign_id is not null

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

),

visit_campaigns as (

    select
        visit_id,
        campaign_id,
        control_group
    from {{ ref('int_liveperson__visit_campaigns') }}

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
        impression_type as activity,
        impression_number,
        control_group_type as impression_control_group,
        impressed_at as activity_at
    from impressions

),

activities_of_sessions as (

    select
        activities_unioned.*,
        sessions.started_at,
        sessions.changed_at
    from activities_unioned
    inner join sessions
        on activities_unioned.visit_id = sessions.visit_id

),

engagements_keyed as (

    -- Only the columns used after the key: the window below holds every row it sees
    -- (at one million visits, the behavior id lists put it over the 1 GB limit).
    select
        visit_id,
        campaign_id,
        engagement_id,
        engagement_channel,
        engagement_type,
        engagement_skill_name,
        activity,
        impression_number,
        impression_control_group,
        activity_at,
        started_at,
        changed_at,
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
    from activities_of_sessions

),

activities_joined_to_campaigns as (

    -- The campaign's control group of the visit, joined before the deduplication below:
    -- the other way round, DuckDB builds the join's hash table on the deduplicated
    -- activities, which at one million visits exceeds the 1 GB limit.
    select
        engagements_keyed.visit_id,
        engagements_keyed.campaign_id,
        engagements_keyed.engagement_key,
        engagements_keyed.engagement_id,
        engagements_keyed.activity,
        coalesce(
            visit_campaigns.control_group,
            engagements_keyed.impression_control_group,
            'unknown'
        ) as control_group,
        engagements_keyed.engagement_channel,
        engagements_keyed.engagement_type,
        engagements_keyed.engagement_skill_name,
        engagements_keyed.impression_number,
        {{ lp_reporting_date('engagements_keyed.started_at') }} as visit_date,
        engagements_keyed.activity_at,
        engagements_keyed.changed_at
    from engagements_keyed
    left join visit_campaigns
        on
            engagements_keyed.visit_id = visit_campaigns.visit_id
            and engagements_keyed.campaign_id = visit_campaigns.campaign_id

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
    from activities_joined_to_campaigns

),

activities_deduplicated as (

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
        impression_number,
        visit_date,
        activity_at,
        changed_at
    from activities_ranked
    where duplicate_rank = 1

)

select * from activities_deduplicated
