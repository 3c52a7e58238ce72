{#
    One row per achieved goal of a kept visit, numbered in the visit, its metadata
    member recognised once, here, from the declaration's union GoalMetadata. The goal
    models read `goal` (its fields) and `metadata_json` (the member's JSON) by record
    type. In `raw` with the other parsed records.
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

source as (

    select
        visit_id,
        visitor_id,
        achieved_goals_json,
        changed_at
    from {{ ref('base_liveperson__kept_records') }}
    where visit_id in (select changed_visits.visit_id from changed_visits)

),

parsed as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_parse_payloads('achieved_goals_json', 'goals_achieved') }} as goals
    from source

),

goals as (

    select
        visit_id,
        visitor_id,
        changed_at,
        {{ lp_unnest('goals', 'goal', 'goal_achieved_number') }}
    from parsed

),

recognized as (

    select
        visit_id,
        visitor_id,
        goal_achieved_number,
        goal,
        {{ lp_member_entity('GoalMetadata', lp_union_branch('goal.goalMetaData')) }}
            as goal_metadata_type,
        {{ lp_union_branch('goal.goalMetaData') }} as goal_metadata_type_name,
        {{ lp_union_value('goal.goalMetaData') }} as metadata_json,
        changed_at
    from goals

)

select * from recognized
