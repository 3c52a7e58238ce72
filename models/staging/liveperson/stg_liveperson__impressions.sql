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
    where {{ lp_only_changed_visits() }} and body_entity = 'impressions'

),

impression_lists as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body_position,
        {{ lp_items('body', 'impressions') }} as impression_items
    from source

),

unnested as (

    select
        visit_id,
        landed_at,
        visitor_id,
        body_position,
        {{ lp_unnest('impression_items', 'impression', 'item_position') }}
    from impression_lists

),

impression_fields as (

    select
        visit_id,
        landed_at,
        visitor_id,
        row_number() over (
            partition by visit_id order by body_position, item_position
        ) as impression_number,
        {{ lp_text('impression', 'engagementInstanceId') }} as engagement_instance_id,
        {{ lp_text('impression', 'impressionType') }} as impression_type,
        {{ lp_text('impression', 'state') }} as impression_state,
        {{ lp_field('impression', 'engagement') }} as engagement,
        {{ lp_field('impression', 'campaign') }} as campaign,
        {{ lp_field('impression', 'goal') }} as goal,
        {{ lp_text('impression', 'controlGroupType') }} as control_group_type,
        {{ lp_timestamp('impression', 'timestamp') }} as impressed_at
    from unnested

),

renamed as (

    select
        visit_id,
        landed_at,
        visitor_id,
        impression_number,
        engagement_instance_id,
        impression_type,
        impression_state,
        {{ lp_engagement_columns('engagement') }},
        {{ lp_campaign_columns('campaign') }},
        {{ lp_goal_columns('goal') }},
        control_group_type,
        impressed_at
    from impression_fields

)

select * from renamed
