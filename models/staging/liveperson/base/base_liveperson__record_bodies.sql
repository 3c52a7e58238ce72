-- One row per record body of a kept visit, with its type recognised once, here.
with

kept_records as (

    -- The landing of each visit that base_liveperson__web_session_records kept.
    select
        visit_id,
        visitor_id,
        file_name,
        line_number,
        landed_at
    from {{ ref('base_liveperson__web_session_records') }}
    where visit_id is not null and {{ lp_only_changed_visits() }}

),

landed_records as (

    select
        file_name,
        line_number,
        record
    from {{ source('liveperson', 'web_sessions') }}

),

source as (

    select
        kept_records.visit_id,
        kept_records.visitor_id,
        kept_records.file_name,
        kept_records.line_number,
        kept_records.landed_at,
        {{ lp_items('landed_records.record', 'recordCollection') }} as record_bodies
    from kept_records
    inner join landed_records
        on
            kept_records.file_name = landed_records.file_name
            and kept_records.line_number = landed_records.line_number

),

record_types as (

    select
        {{ lp_type_key('type_name') }} as type_key,
        entity,
        {{ lp_split('lower(signature_fields)', ' ') }} as signature_keys
    from {{ ref('liveperson_record_types') }}
    where member_kind = 'body'

),

unnested as (

    select
        visit_id,
        visitor_id,
        file_name,
        line_number,
        landed_at,
        {{ lp_unnest('record_bodies', 'collection_item', 'body_position') }}
    from source

),

wrapped as (

    select
        visit_id,
        visitor_id,
        file_name,
        line_number,
        landed_at,
        body_position,
        {{ lp_json_get('collection_item', '$.body') }} as body_wrapper
    from unnested

),

named as (

    select
        visit_id,
        visitor_id,
        file_name,
        line_number,
        landed_at,
        body_position,
        {{ lp_wrapper_name('body_wrapper') }} as body_type_name,
        {{ lp_unwrap('body_wrapper') }} as body
    from wrapped

),

recognized_by_name as (

    select
        named.*,
        record_types.entity as entity_by_name,
        -- Payload keys only where the name is unknown: big bodies are not parsed twice.
        case
            when record_types.entity is null
                then {{ lp_list_transform(
                    lp_json_keys(lp_body_payload('named.body')),
                    'lp_key',
                    'lower(lp_key)'
                ) }}
        end as unnamed_payload_keys
    from named
    left join record_types
        on {{ lp_type_key('named.body_type_name') }} = record_types.type_key

),

recognized as (

    -- GEO and session info names are not published: a body of unknown name whose
    -- payload has at least two of a type's documented fields is that type.
    select
        recognized_by_name.visit_id,
        recognized_by_name.visitor_id,
        recognized_by_name.body_position,
        recognized_by_name.body_type_name,
        recognized_by_name.body,
        recognized_by_name.file_name,
        recognized_by_name.line_number,
        recognized_by_name.landed_at,
        coalesce(
            recognized_by_name.entity_by_name, record_types.entity
        ) as body_entity,
        case
            when recognized_by_name.entity_by_name is not null then 'name'
            when record_types.entity is not null then 'fields'
        end as recognized_by
    from recognized_by_name
    left join record_types
        on
            recognized_by_name.unnamed_payload_keys is not null
            and record_types.signature_keys is not null
            and {{ lp_list_overlap_count(
                'recognized_by_name.unnamed_payload_keys', 'record_types.signature_keys'
            ) }} >= 2

)

select * from recognized
