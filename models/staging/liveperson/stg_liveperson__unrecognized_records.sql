{#
    What the declaration (macros/parse/web_session_schema.sql) does not know, so that
    new types in LivePerson's schema are visible, never silently lost: records without a
    visit id, record bodies, engagement-attribute members and goal-metadata members of
    an unknown type name. A warn-level test watches this model. Values stay in raw:
    `source_file_name` and `source_line_number` say where.
#}
{{ config(materialized='table') }}

{%- set schema = lp_web_session_schema() -%}
{%- set body_names = [] -%}
{%- for member in schema.unions.Body.values() -%}
    {%- for name in member.names -%}
        {%- do body_names.append("'" ~ name | lower ~ "'") -%}
    {%- endfor -%}
{%- endfor %}

with

unidentified_records as (

    select
        file_name,
        line_number
    from {{ ref('base_liveperson__records') }}
    where visit_id is null and not is_too_large

),

kept_records as (

    select
        visit_id,
        body_type_names,
        file_name,
        line_number
    from {{ ref('base_liveperson__kept_records') }}

),

bodies as (

    select
        visit_id,
        file_name,
        line_number,
        {{ lp_unnest('body_type_names', 'body_type_name', 'body_position') }}
    from kept_records

),

attributes as (

    select
        visit_id,
        attribute_number,
        attribute_type_name
    from {{ ref('base_liveperson__engagement_attributes') }}
    where attribute_type is null and attribute_type_name is not null

),

goals as (

    select
        visit_id,
        goal_achieved_number,
        goal_metadata_type_name
    from {{ ref('base_liveperson__achieved_goals') }}
    where goal_metadata_type is null and goal_metadata_type_name is not null

),

unioned as (

    select
        cast(null as {{ dbt.type_string() }}) as visit_id,
        'record' as member_kind,
        cast(null as {{ dbt.type_string() }}) as type_name,
        cast(null as bigint) as member_position,
        file_name as source_file_name,
        line_number as source_line_number
    from unidentified_records

    union all

    select
        visit_id,
        'body' as member_kind,
        body_type_name as type_name,
        body_position as member_position,
        file_name as source_file_name,
        line_number as source_line_number
    from bodies
    where
        body_type_name is null
        or lp_type_key(body_type_name) not in ({{ body_names | join(', ') }})

    union all

    select
        attributes.visit_id,
        'engagement_attribute' as member_kind,
        attributes.attribute_type_name as type_name,
        attributes.attribute_number as member_position,
        kept_records.file_name as source_file_name,
        kept_records.line_number as source_line_number
    from attributes
    inner join kept_records
        on attributes.visit_id = kept_records.visit_id

    union all

    select
        goals.visit_id,
        'goal_metadata' as member_kind,
        goals.goal_metadata_type_name as type_name,
        goals.goal_achieved_number as member_position,
        kept_records.file_name as source_file_name,
        kept_records.line_number as source_line_number
    from goals
    inner join kept_records
        on goals.visit_id = kept_records.visit_id

),

named as (

    select
        visit_id,
        member_kind,
        type_name,
        member_position,
        source_file_name,
        source_line_number,
        lp_type_key(type_name) as short_type_name
    from unioned

)

select * from named
