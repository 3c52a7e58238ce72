{#
    Field names LivePerson sent that the declaration
    (macros/parse/web_session_schema.sql) does not know, so a new field in its schema is
    visible, never silently dropped: read from the first records of every landed file
    (Avro writes every field of a record type in every record of it, so a field the
    declaration lacks shows in the first records that carry the type). One row per
    unknown name. A warn-level test watches it.
#}
{{ config(materialized='table') }}

{%- set schema = lp_web_session_schema() -%}
{%- set known = ['string', 'long', 'int', 'double', 'float', 'boolean', 'bytes',
    'array', 'map', 'null'] -%}
{%- for record_type, fields in schema.records.items() -%}
    {%- do known.extend(fields.keys() | list) -%}
{%- endfor -%}
{%- set known_types = schema.records.keys() | map('lower') | list -%}
{%- for union in schema.unions.values() -%}
    {%- for member in union.values() -%}
        {%- do known_types.extend(member.names | map('lower') | list) -%}
    {%- endfor -%}
{%- endfor -%}
{%- do known_types.extend(['datatypeenum', 'controlgroupenum', 'deviceosenum',
    'devicefamilyenum']) %}

with

sampled as (

    select
        file_name,
        line_number,
        {{ lp_unnest('sampled_field_names', 'field_name', 'field_position') }}
    from {{ ref('base_liveperson__records') }}
    where sampled_field_names is not null

),

unknown_sightings as (

    select
        field_name,
        file_name,
        line_number,
        count(*) over (partition by field_name) as sampled_record_count,
        row_number() over (
            partition by field_name order by file_name, line_number
        ) as sighting_rank
    from sampled
    -- Type names (dotted, or capitalised like record names) are not fields: a record
    -- is read whatever its type name, and unknown members of the unions whose members
    -- matter are listed in stg_liveperson__unrecognized_records.
    where
        field_name not in ('{{ known | unique | join("', '") }}')
        and field_name not like '%.%'
        and lp_type_key(field_name) not in ('{{ known_types | unique | join("', '") }}')
        and regexp_extract(field_name, '^[A-Z][a-z]', 0) = ''

),

unknown as (

    -- One row per unknown name, with the first record (by file and line) that has it.
    select
        field_name,
        sampled_record_count,
        file_name as first_file_name,
        line_number as first_line_number
    from unknown_sightings
    where sighting_rank = 1

)

select * from unknown
