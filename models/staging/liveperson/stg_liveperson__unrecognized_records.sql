-- Everything whose type the models do not know, so that new types in LivePerson's
-- schema are visible (a warn-level test watches this model), never silently lost.
with

records as (

    select
        visit_id,
        unidentified_record,
        file_name,
        line_number
    from {{ ref('base_liveperson__web_session_records') }}
    where visit_id is null

),

bodies as (

    select
        visit_id,
        body_position,
        body_type_name,
        body,
        file_name,
        line_number
    from {{ ref('base_liveperson__record_bodies') }}
    where body_entity is null

),

attributes as (

    select
        visit_id,
        attribute_number,
        attribute_type_name,
        attribute_data,
        file_name,
        line_number
    from {{ ref('base_liveperson__engagement_attributes') }}
    where attribute_type is null and attribute_data is not null

),

goals as (

    select
        visit_id,
        goal_achieved_number,
        goal_metadata_type_name,
        goal_metadata,
        file_name,
        line_number
    from {{ ref('base_liveperson__achieved_goals') }}
    where goal_metadata_type is null and goal_metadata is not null

),

unioned as (

    -- A record without a visit id: no body carries a visitor header.
    select
        visit_id,
        'record' as member_kind,
        cast(null as {{ dbt.type_string() }}) as type_name,
        cast(null as bigint) as member_position,
        unidentified_record as member_json,
        file_name as source_file_name,
        line_number as source_line_number
    from records

    union all

    select
        visit_id,
        'body' as member_kind,
        body_type_name as type_name,
        body_position as member_position,
        body as member_json,
        file_name as source_file_name,
        line_number as source_line_number
    from bodies

    union all

    select
        visit_id,
        'engagement_attribute' as member_kind,
        attribute_type_name as type_name,
        attribute_number as member_position,
        attribute_data as member_json,
        file_name as source_file_name,
        line_number as source_line_number
    from attributes

    union all

    select
        visit_id,
        'goal_metadata' as member_kind,
        goal_metadata_type_name as type_name,
        goal_achieved_number as member_position,
        goal_metadata as member_json,
        file_name as source_file_name,
        line_number as source_line_number
    from goals

),

named as (

    select
        visit_id,
        member_kind,
        type_name,
        {{ lp_short_type_name('type_name') }} as short_type_name,
        member_position,
        member_json,
        source_file_name,
        source_line_number
    from unioned

)

select * from named
