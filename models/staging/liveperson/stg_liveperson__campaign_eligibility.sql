-- depends_on: {{ ref('base_liveperson__web_session_records') }}
with

source as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body_position,
        body
    from {{ ref('base_liveperson__record_bodies') }}
    where {{ lp_only_changed_visits() }} and body_entity = 'campaign_eligibility'

),

assessment_lists as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body_position,
        {{ lp_items('body', 'eligibilityData') }} as assessment_items
    from source

),

assessments as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body_position,
        {{ lp_unnest('assessment_items', 'assessment', 'item_position') }}
    from assessment_lists

),

assessments_numbered as (

    select
        visit_id,
        landed_at,
        visitor_id,
        row_number() over (
            partition by visit_id order by body_position, item_position
        ) as assessment_number,
        {{ lp_timestamp('assessment', 'timestamp') }} as assessed_at,
        {{ lp_items('assessment', 'eligibleCampaigns') }} as eligible_campaign_items
    from assessments

),

eligible_campaigns as (

    -- An assessment without eligible campaigns keeps one row (campaign fields null).
    select
        visit_id,
        landed_at,
        visitor_id,
        assessment_number,
        assessed_at,
        {{ lp_unnest(
            'eligible_campaign_items',
            'eligible_campaign',
            'eligible_campaign_position',
            keep_empty=true
        ) }}
    from assessments_numbered

),

eligible_campaign_fields as (

    select
        visit_id,
        landed_at,
        visitor_id,
        assessment_number,
        case
            when eligible_campaign is not null then eligible_campaign_position
        end as eligible_campaign_number,
        assessed_at,
        {{ lp_field('eligible_campaign', 'campaign') }} as campaign,
        {{ lp_field('eligible_campaign', 'goal') }} as goal,
        {{ lp_text('eligible_campaign', 'controlGroupType') }} as control_group_type,
        {{ lp_items('eligible_campaign', 'engagements') }} as engagement_items
    from eligible_campaigns

),

engagements as (

    -- A campaign without engagements keeps one row (engagement fields null).
    select
        *,
        {{ lp_unnest(
            'engagement_items', 'engagement', 'engagement_position', keep_empty=true
        ) }}
    from eligible_campaign_fields

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        assessment_number,
        eligible_campaign_number,
        case
            when engagement is not null then engagement_position
        end as engagement_number,
        {{ lp_campaign_columns('campaign') }},
        {{ lp_engagement_columns('engagement') }},
        {{ lp_goal_columns('goal') }},
        control_group_type,
        assessed_at
    from engagements

)

select * from renamed
