{%- set typed = [] -%}
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

source as (

    select
        visit_id,
        visitor_id,
        eligibility_json,
        changed_at
    from {{ ref('base_liveperson__kept_records') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

parsed as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_parse_payloads('eligibility_json', 'campaign_eligibility') }}
            as assessments
    from source

),

assessments as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_unnest('assessments', 'assessment', 'assessment_number') }}
    from parsed

),

eligible_campaigns as (

    -- An assessment without eligible campaigns keeps one row (campaign fields null).
    select
        visit_id,
        visitor_id,
        changed_at,
        assessment_number,
        assessment.timestamp as assessed_time,
        {{ lp_unnest(
            lp_union_value('assessment.eligibleCampaigns'),
            'eligible_campaign',
            'eligible_campaign_position',
            keep_empty=true
        ) }}
    from assessments

),

engagements as (

    -- A campaign without engagements keeps one row (engagement fields null).
    select
        visit_id,
        visitor_id,
        changed_at,
        assessment_number,
        case
            when eligible_campaign is not null then eligible_campaign_position
        end as eligible_campaign_number,
        assessed_time,
        {{ lp_union_value('eligible_campaign.campaign') }} as campaign,
        {{ lp_union_value('eligible_campaign.goal') }} as goal,
        eligible_campaign.controlGroupType as control_group_type,
        {{ lp_unnest(
            lp_union_value('eligible_campaign.engagements'),
            'engagement',
            'engagement_position',
            keep_empty=true
        ) }}
    from eligible_campaigns

),

renamed as (

    select
        visit_id,
        visitor_id,
        assessment_number,
        eligible_campaign_number,
        case
            when engagement is not null then engagement_position
        end as engagement_number,
        {{ lp_campaign_columns(typed, 'campaign') }},
        {{ lp_engagement_columns(typed, 'engagement') }},
        {{ lp_goal_columns(typed, 'goal') }},
        lp_text(control_group_type) as control_group_type,
        {{ lp_typed(typed, 'assessed_time', 'time') }} as assessed_at,
        {{ lp_unreadable_values(typed) }} as unreadable_values,
        changed_at
    from engagements

)

select * from renamed
