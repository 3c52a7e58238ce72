-- depends_on: {{ ref('base_liveperson__web_session_records') }}
-- One row per achieved goal of a kept visit, its metadata member type recognised once,
-- here; goals_achieved and the product lines read `goal_metadata` from this model.
with

source as (

    select
        visit_id,
        visitor_id,
        body_position,
        body,
        file_name,
        line_number,
        landed_at
    from {{ ref('base_liveperson__record_bodies') }}
    where {{ lp_only_changed_visits() }} and body_entity = 'goals_achieved'

),

record_types as (

    select
        {{ lp_type_key('type_name') }} as type_key,
        entity
    from {{ ref('liveperson_record_types') }}
    where member_kind = 'goal_metadata'

),

goal_lists as (

    select
        visit_id,
        visitor_id,
        body_position,
        file_name,
        line_number,
        landed_at,
        {{ lp_items('body', 'achievedGoals') }} as goal_items
    from source

),

unnested as (

    select
        visit_id,
        visitor_id,
        body_position,
        file_name,
        line_number,
        landed_at,
        {{ lp_unnest('goal_items', 'achieved_goal', 'item_position') }}
    from goal_lists

),

goal_fields as (

    select
        visit_id,
        visitor_id,
        row_number() over (
            partition by visit_id order by body_position, item_position
        ) as goal_achieved_number,
        {{ lp_text('achieved_goal', 'id') }} as achieved_goal_id,
        {{ lp_value('achieved_goal', 'campaignGoalId', 'bigint') }} as campaign_goal_id,
        {{ lp_value('achieved_goal', 'campaignGoalRevision', 'bigint') }}
            as campaign_goal_revision,
        {{ lp_value('achieved_goal', 'campaignGoalType', 'integer') }}
            as campaign_goal_type,
        {{ lp_timestamp('achieved_goal', 'timestamp') }} as achieved_at,
        {{ lp_json_get(lp_field('achieved_goal'), '$."goalMetaData"') }}
            as metadata_wrapper,
        file_name,
        line_number,
        landed_at
    from unnested

),

named as (

    select
        visit_id,
        visitor_id,
        goal_achieved_number,
        achieved_goal_id,
        {{ lp_wrapper_name('metadata_wrapper') }} as goal_metadata_type_name,
        campaign_goal_id,
        campaign_goal_revision,
        campaign_goal_type,
        {{ lp_unwrap('metadata_wrapper') }} as goal_metadata,
        achieved_at,
        file_name,
        line_number,
        landed_at
    from goal_fields

),

recognized as (

    select
        named.visit_id,
        named.visitor_id,
        named.goal_achieved_number,
        named.achieved_goal_id,
        record_types.entity as goal_metadata_type,
        named.goal_metadata_type_name,
        named.campaign_goal_id,
        named.campaign_goal_revision,
        named.campaign_goal_type,
        named.goal_metadata,
        named.achieved_at,
        named.file_name,
        named.line_number,
        named.landed_at
    from named
    left join record_types
        on {{ lp_type_key('named.goal_metadata_type_name') }} = record_types.type_key

)

select * from recognized
