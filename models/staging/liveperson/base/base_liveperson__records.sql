{#
    Every landed record, read once: the only model that reads raw.web_sessions. The
    engine's JSON parser reads each record by the declaration
    (macros/parse/web_session_schema.sql) into its parts: the visit (data type,
    metadata, the header every body repeats, typed) and, per record-body entity, the
    JSON of each body's payload, which the one staging model of that entity types. Avro
    unions stay maps {branch: value} that the lp_* functions read. In the `raw` schema:
    it holds personal data in clear. Incremental: a run reads the records landed since
    the newest here; a file landed again replaces all its rows (delete+insert on
    file_name).
#}
{%- set parts = [
    ('dataType', lp_parse_type('enum')),
    ('metaData', lp_parse_type('MetaData')),
    ('recordCollection', lp_bodies_parse_type(lp_body_parts(), false)),
] -%}
{%- set bare_parts = [
    ('metaData', lp_parse_type('MetaData', bare=true)),
    ('recordCollection', lp_bodies_parse_type(lp_body_parts(), true)),
] -%}

with

landed as (

    select
        file_name,
        line_number,
        landed_at,
        {{ lp_byte_length('record') }} as record_bytes,
        -- A record too large for the build is not read (stg_liveperson__quarantine).
        case
            when {{ lp_byte_length('record') }} <= {{ var('max_record_bytes') }}
                then record
        end as record
    from {{ source('liveperson', 'web_sessions') }}
    {% if is_incremental() -%}
        where landed_at > (select max(held.landed_at) from {{ this }} as held)
    {%- endif %}

),

wrapped_read as (

    select
        *,
        {{ lp_parse_json('record', parts) }} as parsed
    from landed

),

bare_read as (

    -- The vendor's reference prints metaData and recordCollection bare; files in the
    -- field have them union-wrapped. Read bare only what the wrapped reading missed.
    select
        *,
        case
            when
                {{ lp_union_value('parsed.recordCollection') }} is null
                or lp_type_key({{ lp_union_branch('parsed.metaData') }}) <> 'metadata'
                then {{ lp_parse_json('record', bare_parts) }}
        end as bare_parsed
    from wrapped_read

),

parts as (

    select
        file_name,
        line_number,
        landed_at,
        record_bytes,
        record,
        lp_text(parsed.dataType) as data_type,
        case
            when lp_type_key({{ lp_union_branch('parsed.metaData') }}) = 'metadata'
                then {{ lp_union_value('parsed.metaData') }}
            else bare_parsed.metaData
        end as meta,
        coalesce(
            {{ lp_union_value('parsed.recordCollection') }},
            bare_parsed.recordCollection
        ) as collection
    from bare_read

),

bodies as (

    -- Each body's type name, and its value read once for every part below.
    select
        *,
        {{ lp_list_transform(
            'collection', 'lp_item', lp_union_branch('lp_item.body')
        ) }} as body_type_names,
        {{ lp_list_transform('collection', 'lp_item', lp_union_value('lp_item.body')) }}
            as bodies
    from parts

),

visits as (

    select
        *,
        -- The visit is the first body's (every body repeats the visitor header).
        {{ lp_list_element(lp_list_filter(
            lp_list_transform('bodies', 'lp_body', lp_union_value('lp_body.header')),
            'lp_header',
            "lp_text(lp_header.visitId) <> ''"
        ), 1) }} as visit_header
    from bodies

),

split as (

    select
        file_name,
        line_number,
        landed_at,
        record_bytes,
        record is null and record_bytes is not null as is_too_large,
        lp_text(visit_header.visitId) as visit_id,
        lp_text(visit_header.visitorId) as visitor_id,
        lp_text(visit_header.contextId) as context_id,
        data_type,
        meta,
        body_type_names,
        {{ lp_payload_json('bodies', 'navigation') }} as navigation_json,
        {{ lp_payload_json('bodies', 'engagement_attributes') }}
            as engagement_attributes_json,
        {{ lp_payload_json('bodies', 'goals_achieved') }} as achieved_goals_json,
        {{ lp_payload_json('bodies', 'campaign_eligibility') }} as eligibility_json,
        {{ lp_payload_json('bodies', 'impressions') }} as impressions_json,
        {{ lp_payload_json('bodies', 'geo') }} as geo_json,
        {{ lp_inline_payload('bodies', 'geo') }} as geo_inline,
        {{ lp_payload_json('bodies', 'session_info') }} as session_info_json,
        {{ lp_inline_payload('bodies', 'session_info') }} as session_info_inline,
        -- The field names of the first records of each file, for
        -- stg_liveperson__unknown_fields (Avro writes every field of a record type, so
        -- a field the declaration lacks shows in the first records that carry it).
        case
            when line_number <= {{ var('field_census_lines') }}
                then {{ lp_json_key_names('record') }}
        end as sampled_field_names
    from visits

)

select * from split
